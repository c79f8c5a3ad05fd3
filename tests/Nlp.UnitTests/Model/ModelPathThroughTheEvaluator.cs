using System.Globalization;
using LedgerX.Nlp.Domain.Evaluation;
using LedgerX.Nlp.Domain.Model;
using Microsoft.Extensions.AI;

namespace LedgerX.Nlp.UnitTests.Model;

/// <summary>The model path through the same <see cref="Evaluator"/> as the interpreter, over a fake model scripted per
/// question from the expected interpretation: a plumbing check (tool arguments → slots → tools → composer → guard), not
/// a measure of any real model's quality.</summary>
public sealed class ModelPathThroughTheEvaluator
{
    private static readonly string[] Tool =
    [
        "spending_by_category", "income_vs_spending", "balance_at_date:balance_at", "largest_transactions", "unusual_transactions",
        "top_counterparties", "month_over_month", "why_flagged", "reversal_status",
    ];

    private static string ToolFor(string intent) =>
        Tool.Select(t => t.Split(':')).First(p => p[0] == intent) is var parts && parts.Length == 2 ? parts[1] : intent;

    /// <summary>What a model that understood the question exactly would call: the expected slots as tool arguments.</summary>
    public static ChatResponseUpdate ScriptedCall(EvalCase c, TimeZoneInfo zone)
    {
        var e = c.Expected;
        if (e.Intent is null)
            return ScriptedChatClient.Call(ModelToolbox.Refuse, new Dictionary<string, object?> { ["reason"] = e.Refusal });
        var args = new Dictionary<string, object?>();
        if (e.Period is { } p && p.Start != p.End)
        {
            args["from"] = Day(p.Start, zone);
            args["to"] = Day(p.End.AddTicks(-1), zone);
        }
        if (e.Category is not null) args["category"] = e.Category;
        if (e.Counterparty is not null) args["counterparty"] = e.Counterparty;
        if (e.Count is not null) args["count"] = e.Count;
        if (e.Account is not null) args["account"] = e.Account.Last4 ?? e.Account.Name;
        if (e.RecordId is not null) args["record_id"] = e.RecordId.Value.ToString();
        if (e.MinAmount is not null)
        {
            args["min_amount"] = (e.MinAmount.Minor / 100m).ToString(CultureInfo.InvariantCulture);
            if (e.MinAmount.Currency is not null) args["currency"] = e.MinAmount.Currency;
        }
        return ScriptedChatClient.Call(ToolFor(e.Intent), args);
    }

    private static string Day(DateTimeOffset instant, TimeZoneInfo zone) =>
        TimeZoneInfo.ConvertTime(instant, zone).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>Every fourth question of the committed set (answers and refusals of every kind).</summary>
    public static EvalSet Subset(EvalSet set) => set with { Cases = set.Cases.Where((_, n) => n % 4 == 0).ToList() };

    [Fact]
    public async Task FakeModelAnswersTheSubsetAboveTheFloor()
    {
        var set = Subset(EvalSet.Parse(File.ReadAllText(RepoFiles.Copied(RepoFiles.EvalSet))));
        var tools = new ReferenceTools(SyntheticDataset.Generate(set.Seed)).AsTools();
        var zone = TimeZoneInfo.FindSystemTimeZoneById(set.Zone);
        var modelTexts = 0;

        var report = await Evaluator.RunAsync(set, async (c, asker, now, ct) =>
        {
            // The model phrases the composer's sentence it was given back: every number in it is grounded.
            var model = new ScriptedChatClient(m => ScriptedChatClient.ToolResults(m) is { Count: > 0 } results
                ? ScriptedChatClient.Say(results[^1].TryGetProperty("answer", out var a) ? "In short: " + a.GetString() : "I can't answer that.", 7)
                : [ScriptedCall(c, zone)]);
            var result = await new ModelAnswerer(model).AnswerAsync(asker, c.Question, "en", tools, now, null, ct);
            if (result.ModelTextUsed) modelTexts++;
            return new EvaluatedAnswer(result.Interpretation, result.Answer);
        }, CancellationToken.None);

        TestContext.Current.TestOutputHelper!.WriteLine("nlp-eval (fake model, plumbing check): " + report.Summary());
        foreach (var miss in report.Outcomes.Where(o => o.Difference is not null))
            TestContext.Current.TestOutputHelper!.WriteLine($"  {miss.Id} \"{miss.Question}\": {miss.Difference}");
        set.Cases.Count.ShouldBeGreaterThanOrEqualTo(40);
        report.ExactAnswerAccuracy.ShouldBeGreaterThanOrEqualTo(0.95, report.Summary());
        report.RefusalsCorrect.ShouldBe(report.RefusalCases, report.Summary());
        modelTexts.ShouldBe(report.Answerable - report.Outcomes.Zip(set.Cases).Count(p => p.Second.Expected.Refusal is null && p.First.Difference is not null),
            "every answered question kept the model's (grounded) text");
    }
}
