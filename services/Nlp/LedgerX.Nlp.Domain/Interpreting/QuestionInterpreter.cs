using LedgerX.Nlp.Domain.Questions;

namespace LedgerX.Nlp.Domain.Interpreting;

/// <summary>Question text + the asker's zone + now → an interpretation or an explicit refusal.</summary>
public interface IQuestionInterpreter
{
    InterpretationResult Interpret(string question, TimeZoneInfo zone, DateTimeOffset now);
}

/// <summary>The embedded, deterministic interpreter: cue phrases for the intent, readers for the slots, and a refusal
/// whenever the question is outside the intents, about someone else, or has two readings. It never guesses: a
/// question with no cue it knows is refused, not mapped to the nearest intent.</summary>
public sealed class QuestionInterpreter : IQuestionInterpreter
{
    /// <summary>Bounds a question's length: longer text is not a question this interpreter can read reliably.</summary>
    public const int MaxQuestionLength = 500;
    public const int DefaultCount = 5;
    public const int MaxCount = 50;

    /// <summary>Intents that name one kind of answer; two of them in one question is two questions.</summary>
    private static readonly Intent[] Primary =
        [Intent.BalanceAtDate, Intent.LargestTransactions, Intent.TopCounterparties, Intent.UnusualTransactions];

    public InterpretationResult Interpret(string question, TimeZoneInfo zone, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(question);
        ArgumentNullException.ThrowIfNull(zone);
        if (string.IsNullOrWhiteSpace(question))
            return InterpretationResult.Refused(RefusalReason.Unsupported, "the question is empty.");
        if (question.Length > MaxQuestionLength)
            return InterpretationResult.Refused(RefusalReason.Unsupported, $"questions are limited to {MaxQuestionLength} characters.");

        var recordIds = SlotExtractor.FindRecordIds(question);
        var text = SlotExtractor.BlankRecordIds(Words.Normalize(question));
        if (IntentDetector.IsAboutSomeoneElse(text))
            return InterpretationResult.Refused(RefusalReason.OtherPersonsData, "I only answer questions about your own accounts.");
        if (IntentDetector.IsOutOfScope(text))
            return InterpretationResult.Refused(RefusalReason.Unsupported, "I answer questions about what already happened in your accounts; I give no forecasts or advice and make no payments.");

        var intent = ChooseIntent(IntentDetector.Detect(text), out var ambiguity);
        if (ambiguity is not null) return InterpretationResult.Refused(RefusalReason.Ambiguous, ambiguity);
        if (intent is null)
            return InterpretationResult.Refused(RefusalReason.Unsupported, "that is not a question about your spending, income, balances, transactions, flags or reversals.");

        var (periods, withoutPeriods) = PeriodParser.Extract(text, now, zone);
        var (threshold, withoutAmounts) = SlotExtractor.FindThreshold(withoutPeriods);
        var (categories, corrected) = SlotExtractor.FindCategories(withoutAmounts);
        var confidence = corrected ? 0.9 : 1.0;

        if (recordIds.Count > 1)
            return InterpretationResult.Refused(RefusalReason.Ambiguous, "the question names more than one record; ask about one at a time.");
        if (categories.Count > 1)
            return InterpretationResult.Refused(RefusalReason.Ambiguous, $"the question names {categories.Count} categories ({string.Join(", ", categories)}); ask about one at a time.");

        var period = ChoosePeriod(intent.Value, periods, zone, out var periodProblem);
        if (periodProblem is not null) return InterpretationResult.Refused(RefusalReason.Ambiguous, periodProblem);
        if (period is null && intent is not (Intent.WhyFlagged or Intent.ReversalStatus))
        {
            period = DefaultPeriod(intent.Value, now, zone);
            confidence -= 0.2;
        }

        int? count = null;
        if (intent is Intent.LargestTransactions or Intent.TopCounterparties or Intent.UnusualTransactions)
        {
            count = SlotExtractor.FindCount(withoutAmounts) ?? (IsSingular(withoutAmounts) ? 1 : DefaultCount);
            if (count is < 1 or > MaxCount)
                return InterpretationResult.Refused(RefusalReason.Unsupported, $"I list between 1 and {MaxCount} items.");
        }

        var slots = new QuestionSlots(
            Period: intent is Intent.WhyFlagged or Intent.ReversalStatus ? null : period,
            Category: intent is Intent.SpendingByCategory or Intent.MonthOverMonth or Intent.LargestTransactions
                ? categories.SingleOrDefault() : null,
            Counterparty: intent is Intent.SpendingByCategory or Intent.LargestTransactions
                ? SlotExtractor.FindCounterparty(withoutAmounts) : null,
            MinAmount: intent is Intent.LargestTransactions ? threshold : null,
            Account: intent is Intent.WhyFlagged or Intent.ReversalStatus ? null : SlotExtractor.FindAccount(text),
            Count: count,
            RecordId: intent is Intent.WhyFlagged or Intent.ReversalStatus ? recordIds.SingleOrDefault() is var id && id != Guid.Empty ? id : null : null);
        return InterpretationResult.Understood(new Interpretation(intent.Value, slots, Math.Round(confidence, 2)));
    }

    private static Intent? ChooseIntent(IReadOnlySet<Intent> found, out string? ambiguity)
    {
        ambiguity = null;
        // A "why … flagged" or "where is my refund" question is about that one record, whatever else it mentions.
        if (found.Contains(Intent.WhyFlagged)) return Intent.WhyFlagged;
        if (found.Contains(Intent.ReversalStatus)) return Intent.ReversalStatus;
        var primary = Primary.Where(found.Contains).ToList();
        if (primary.Count > 1)
        {
            ambiguity = "the question asks for " + string.Join(" and ", primary.Select(p => p.Name())) + "; ask one thing at a time.";
            return null;
        }
        if (primary.Count == 1) return primary[0];
        // "income vs spending" contains a comparison cue; income is the more specific ask.
        if (found.Contains(Intent.IncomeVsSpending)) return Intent.IncomeVsSpending;
        if (found.Contains(Intent.MonthOverMonth)) return Intent.MonthOverMonth;
        if (found.Contains(Intent.SpendingByCategory)) return Intent.SpendingByCategory;
        return null;
    }

    /// <summary>One period, or for a comparison the later of two (the earlier is then the one compared with).</summary>
    private static Period? ChoosePeriod(Intent intent, IReadOnlyList<Period> periods, TimeZoneInfo zone, out string? problem)
    {
        problem = null;
        var distinct = periods.DistinctBy(p => (p.Start.UtcDateTime, p.End.UtcDateTime)).ToList();
        if (distinct.Count <= 1) return distinct.SingleOrDefault();
        if (intent == Intent.MonthOverMonth && distinct.Count == 2)
        {
            var later = distinct.MaxBy(p => p.Start)!;
            var earlier = distinct.MinBy(p => p.Start)!;
            if (later.Previous(zone).SameSpan(earlier)) return later;
        }
        problem = "the question names more than one period (" + string.Join(", ", distinct.Select(p => p.Label)) + "); ask about one.";
        return null;
    }

    /// <summary>No period said: a balance is "now"; everything else is "this month" (confidence drops). The model
    /// answerer applies the same default when a model leaves the period out.</summary>
    public static Period DefaultPeriod(Intent intent, DateTimeOffset now, TimeZoneInfo zone)
    {
        if (intent == Intent.BalanceAtDate) return Period.Until(now, "now");
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, zone).DateTime);
        var first = new DateOnly(today.Year, today.Month, 1);
        return Period.Days(first, first.AddMonths(1), zone, "this month");
    }

    private static bool IsSingular(string text) =>
        text.Contains(" transaction ", StringComparison.Ordinal) || text.Contains(" payment ", StringComparison.Ordinal)
        || text.Contains(" purchase ", StringComparison.Ordinal) || text.Contains(" expense ", StringComparison.Ordinal)
        || text.Contains(" merchant ", StringComparison.Ordinal) || text.Contains(" payee ", StringComparison.Ordinal)
        || text.Contains(" counterparty ", StringComparison.Ordinal) || text.Contains(" buchung ", StringComparison.Ordinal)
        || text.Contains(" zahlung ", StringComparison.Ordinal);
}
