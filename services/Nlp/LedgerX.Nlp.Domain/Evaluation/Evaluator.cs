using LedgerX.Nlp.Domain.Answers;
using LedgerX.Nlp.Domain.Interpreting;
using LedgerX.Nlp.Domain.Questions;
using LedgerX.Nlp.Domain.Tools;

namespace LedgerX.Nlp.Domain.Evaluation;

public sealed record CaseOutcome(string Id, string Question, bool ExactAnswer, bool RefusalCorrect, bool IntentCorrect, string? Difference,
    TimeSpan Elapsed = default);

/// <summary>How one engine answered one question: the interpretation it acted on (the interpreter's, or the intent and
/// slots of the tool a model called; null when refused before any) and the answer.</summary>
public sealed record EvaluatedAnswer(Interpretation? Interpretation, Answer Answer);

/// <summary>One engine under evaluation: answers a case's question for its asker at the set's "now".</summary>
public delegate Task<EvaluatedAnswer> CaseAnswerer(EvalCase evalCase, Asker asker, DateTimeOffset now, CancellationToken ct);

/// <summary>ExactAnswerAccuracy: of the questions that should be answered, the share answered with the expected
/// interpretation and exactly the expected figures and citations. RefusalCorrectness: of all questions, the share where
/// "refused or not" and the refusal reason are as expected.</summary>
public sealed record EvalReport(int Cases, int Answerable, int ExactAnswers, int RefusalCases, int RefusalsCorrect, int IntentsCorrect,
    IReadOnlyList<CaseOutcome> Outcomes)
{
    public double ExactAnswerAccuracy => Answerable == 0 ? 0 : (double)ExactAnswers / Answerable;
    public double RefusalCorrectness => Cases == 0 ? 0 : (double)Outcomes.Count(o => o.RefusalCorrect) / Cases;
    public double IntentAccuracy => Cases == 0 ? 0 : (double)IntentsCorrect / Cases;

    public string Summary() =>
        $"cases {Cases}: exact answers {ExactAnswers}/{Answerable} ({ExactAnswerAccuracy:P1}), refusal correctness " +
        $"{Outcomes.Count(o => o.RefusalCorrect)}/{Cases} ({RefusalCorrectness:P1}; expected refusals met {RefusalsCorrect}/{RefusalCases}), " +
        $"intent {IntentsCorrect}/{Cases} ({IntentAccuracy:P1})";
}

/// <summary>Runs each question of an evaluation set through an interpreter and the tools and compares with the expected
/// answer. `ledgerx nlp-eval` will call this with the embedded interpreter and with a model when one is configured.</summary>
public static class Evaluator
{
    public static Task<EvalReport> RunAsync(EvalSet set, IQuestionInterpreter interpreter, NlpTools tools, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(interpreter);
        return RunAsync(set, async (c, asker, now, token) =>
        {
            var result = interpreter.Interpret(c.Question, asker.Zone, now);
            var answer = result.Interpretation is { } i ? await AnswerPlanner.AnswerAsync(asker, i, tools, token) : Answer.Refused(result.Refusal!);
            return new EvaluatedAnswer(result.Interpretation, answer);
        }, ct);
    }

    /// <summary>Runs any engine (the interpreter above, or the model answerer) over the set, timing each question.</summary>
    public static async Task<EvalReport> RunAsync(EvalSet set, CaseAnswerer answerer, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(set);
        ArgumentNullException.ThrowIfNull(answerer);
        var zone = TimeZoneInfo.FindSystemTimeZoneById(set.Zone);
        var outcomes = new List<CaseOutcome>();
        foreach (var c in set.Cases)
        {
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            var got = await answerer(c, new Asker(c.UserId, zone), set.Now, ct);
            outcomes.Add(Compare(c, got.Interpretation, got.Answer) with { Elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(started) });
        }
        return new EvalReport(
            outcomes.Count,
            set.Cases.Count(c => c.Expected.Refusal is null),
            outcomes.Count(o => o.ExactAnswer),
            set.Cases.Count(c => c.Expected.Refusal is not null),
            outcomes.Zip(set.Cases).Count(p => p.Second.Expected.Refusal is not null && p.First.RefusalCorrect),
            outcomes.Count(o => o.IntentCorrect),
            outcomes);
    }

    private static CaseOutcome Compare(EvalCase c, Interpretation? got, Answer answer)
    {
        var expected = c.Expected;
        var gotRefusal = answer.Refusal is { } r ? Refusal.ReasonName(r.Reason) : null;
        var refusalCorrect = gotRefusal == expected.Refusal;
        var intentCorrect = got?.Intent.Name() == expected.Intent;
        var difference = InterpretationDifference(expected, got);
        if (difference is null && !refusalCorrect) difference = $"refusal: expected {expected.Refusal ?? "none"}, got {gotRefusal ?? "none"} ({answer.Text})";
        if (difference is null && expected.Refusal is null)
        {
            if (!(expected.Figures ?? []).SequenceEqual(answer.Figures))
                difference = $"figures: expected [{string.Join("; ", (expected.Figures ?? []).Select(f => f.Name + "=" + f.Value))}], got [{string.Join("; ", answer.Figures.Select(f => f.Name + "=" + f.Value))}]";
            else if (!(expected.Citations ?? []).SequenceEqual(answer.Citations))
                difference = "citations differ";
        }
        var exact = expected.Refusal is null && difference is null;
        return new CaseOutcome(c.Id, c.Question, exact, refusalCorrect, intentCorrect, difference);
    }

    private static string? InterpretationDifference(ExpectedAnswer expected, Interpretation? got)
    {
        if (expected.Intent is null) return got is null ? null : $"expected a refusal, understood {got.Intent.Name()}";
        if (got is null) return $"expected {expected.Intent}, refused";
        if (got.Intent.Name() != expected.Intent) return $"intent: expected {expected.Intent}, got {got.Intent.Name()}";
        var s = got.Slots;
        var period = s.Period is null ? null : new ExpectedPeriod(s.Period.Start, s.Period.End);
        if (!SamePeriod(expected.Period, period)) return $"period: expected {expected.Period}, got {period}";
        if (expected.Category != s.Category) return $"category: expected {expected.Category}, got {s.Category}";
        if (expected.Counterparty != s.Counterparty) return $"counterparty: expected {expected.Counterparty}, got {s.Counterparty}";
        if (expected.MinAmount != s.MinAmount) return $"amount: expected {expected.MinAmount}, got {s.MinAmount}";
        if (expected.Account != s.Account) return $"account: expected {expected.Account}, got {s.Account}";
        if (expected.Count != s.Count) return $"count: expected {expected.Count}, got {s.Count}";
        if (expected.RecordId != s.RecordId) return $"record: expected {expected.RecordId}, got {s.RecordId}";
        return null;
    }

    private static bool SamePeriod(ExpectedPeriod? a, ExpectedPeriod? b) =>
        (a is null && b is null) || (a is not null && b is not null && a.Start.UtcDateTime == b.Start.UtcDateTime && a.End.UtcDateTime == b.End.UtcDateTime);
}
