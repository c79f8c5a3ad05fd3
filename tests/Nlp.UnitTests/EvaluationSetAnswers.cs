using LedgerX.Nlp.Domain.Evaluation;
using LedgerX.Nlp.Domain.Interpreting;

namespace LedgerX.Nlp.UnitTests;

public sealed class EvaluationSetAnswers
{
    private static readonly CancellationToken Ct = CancellationToken.None;

    [Fact]
    public async Task CommittedSetIsTheGeneratorsOutput()
    {
        var generated = (await EvalSetGenerator.GenerateAsync(Ct)).ToJson();
        var committed = RepoFiles.CommittedOrWrite(RepoFiles.EvalSet, generated);
        committed.ReplaceLineEndings("\n").ShouldBe(generated, "the dataset, tools or composer changed: regenerate questions.v1.json and review what moved");
    }

    [Fact]
    public void SetHasAtLeast150QuestionsAndEveryKindOfRefusal()
    {
        var set = EvalSet.Parse(File.ReadAllText(RepoFiles.Copied(RepoFiles.EvalSet)));
        set.Cases.Count.ShouldBeGreaterThanOrEqualTo(150);
        set.Cases.Select(c => c.Id).Distinct().Count().ShouldBe(set.Cases.Count);
        foreach (var reason in new[] { "other_persons_data", "unsupported", "ambiguous", "not_found" })
            set.Cases.Count(c => c.Expected.Refusal == reason).ShouldBeGreaterThanOrEqualTo(3, reason);
        set.Cases.Where(c => c.Expected.Refusal is null).ShouldAllBe(c => c.Expected.Figures != null);
        // Not all answers empty: the expected figures come from a populated dataset.
        set.Cases.Count(c => c.Expected.Figures is { Count: > 0 }).ShouldBeGreaterThan(100);
    }

    [Fact]
    public async Task InterpreterAnswersTheSetAboveTheFloor()
    {
        var set = EvalSet.Parse(File.ReadAllText(RepoFiles.Copied(RepoFiles.EvalSet)));
        var tools = new ReferenceTools(SyntheticDataset.Generate(set.Seed)).AsTools();

        var report = await Evaluator.RunAsync(set, new QuestionInterpreter(), tools, Ct);

        var output = TestContext.Current.TestOutputHelper!;
        output.WriteLine("nlp-eval (embedded interpreter): " + report.Summary());
        foreach (var miss in report.Outcomes.Where(o => o.Difference is not null))
            output.WriteLine($"  {miss.Id} \"{miss.Question}\": {miss.Difference}");
        report.ExactAnswerAccuracy.ShouldBeGreaterThanOrEqualTo(0.90, report.Summary());
        report.RefusalCorrectness.ShouldBeGreaterThanOrEqualTo(0.95, report.Summary());
        report.RefusalsCorrect.ShouldBe(report.RefusalCases, "every question that must be refused is refused for its reason");
    }
}
