using System.Globalization;
using LedgerX.Nlp.Domain.Categorization;
using LedgerX.Nlp.Domain.Interpreting;
using LedgerX.Nlp.Domain.Questions;

namespace LedgerX.Nlp.Domain.Model;

/// <summary>A model's tool arguments → the interpreter's typed slots, with the interpreter's own readers (periods,
/// categories) and limits (counts), so a slot means the same whoever filled it. A bad argument is an error the model
/// is told about (and may correct), never a guess.</summary>
public static class ModelArguments
{
    public static QuestionSlots? Slots(Intent intent, string? period, string? from, string? to, string? category, string? counterparty,
        string? account, int? count, string? minAmount, string? currency, string? recordId, TimeZoneInfo zone, DateTimeOffset now, out string? error)
    {
        error = null;
        Period? span = null;
        if (intent is not (Intent.WhyFlagged or Intent.ReversalStatus))
        {
            span = ReadPeriod(period, from, to, zone, now, out error);
            if (error is not null) return null;
            span ??= QuestionInterpreter.DefaultPeriod(intent, now, zone);
        }
        string? categoryName = null;
        if (!string.IsNullOrWhiteSpace(category))
        {
            var key = Words.Normalize(category).Trim();
            if (!Categories.Synonyms.TryGetValue(key, out categoryName) && !Categories.All.Contains(key))
            {
                error = $"unknown category \"{category}\"; use one of: {string.Join(", ", Categories.All)}.";
                return null;
            }
            categoryName ??= key;
        }
        if (count is < 1 or > QuestionInterpreter.MaxCount)
        {
            error = $"count must be between 1 and {QuestionInterpreter.MaxCount}.";
            return null;
        }
        AmountThreshold? threshold = null;
        if (!string.IsNullOrWhiteSpace(minAmount))
        {
            var code = string.IsNullOrWhiteSpace(currency) ? null : currency.Trim().ToUpperInvariant();
            if (!decimal.TryParse(minAmount.Replace(",", "", StringComparison.Ordinal), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount))
            {
                error = $"min_amount \"{minAmount}\" is not a number such as 100 or 99.50.";
                return null;
            }
            threshold = new AmountThreshold((long)decimal.Round(amount * (decimal)Math.Pow(10, Money.Exponent(code ?? "EUR"))), code);
        }
        Guid? record = null;
        if (!string.IsNullOrWhiteSpace(recordId))
        {
            if (!Guid.TryParse(recordId.Trim(), out var id))
            {
                error = $"record_id \"{recordId}\" is not a UUID.";
                return null;
            }
            record = id;
        }
        var listed = intent is Intent.LargestTransactions or Intent.TopCounterparties or Intent.UnusualTransactions;
        return new QuestionSlots(
            Period: span,
            Category: intent is Intent.SpendingByCategory or Intent.MonthOverMonth or Intent.LargestTransactions ? categoryName : null,
            Counterparty: intent is Intent.SpendingByCategory or Intent.LargestTransactions && !string.IsNullOrWhiteSpace(counterparty)
                ? Words.Normalize(counterparty!).Trim() : null,
            MinAmount: intent is Intent.LargestTransactions ? threshold : null,
            Account: Account(account),
            Count: listed ? count ?? QuestionInterpreter.DefaultCount : null,
            RecordId: record);
    }

    /// <summary>"4821" → by last four digits; anything else → by name, with the interpreter's synonyms.</summary>
    public static AccountReference? Account(string? account)
    {
        if (string.IsNullOrWhiteSpace(account)) return null;
        var text = account.Trim();
        if (text.Length == 4 && text.All(char.IsAsciiDigit)) return new AccountReference(text, null);
        return SlotExtractor.FindAccount(Words.Normalize(text.EndsWith("account", StringComparison.OrdinalIgnoreCase) ? text : text + " account"))
            ?? new AccountReference(null, Words.Normalize(text).Trim());
    }

    private static Period? ReadPeriod(string? phrase, string? from, string? to, TimeZoneInfo zone, DateTimeOffset now, out string? error)
    {
        error = null;
        if (!string.IsNullOrWhiteSpace(from) || !string.IsNullOrWhiteSpace(to))
        {
            var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, zone).DateTime);
            if (!TryDay(from, out var first) || !TryDay(to, out var last))
            {
                error = "from and to are ISO dates (yyyy-MM-dd).";
                return null;
            }
            var start = first ?? last!.Value;
            var end = last ?? today;
            if (end < start)
            {
                error = "to is before from.";
                return null;
            }
            var label = start == end ? "on " + Label(start) : $"from {Label(start)} to {Label(end)}";
            return Period.Days(start, end.AddDays(1), zone, label);
        }
        if (string.IsNullOrWhiteSpace(phrase)) return null;
        var (periods, _) = PeriodParser.Extract(Words.Normalize(" in " + phrase), now, zone);
        if (periods.Count == 0)
            (periods, _) = PeriodParser.Extract(Words.Normalize(phrase), now, zone);
        var distinct = periods.DistinctBy(p => (p.Start.UtcDateTime, p.End.UtcDateTime)).ToList();
        if (distinct.Count == 1) return distinct[0];
        error = distinct.Count == 0
            ? $"period \"{phrase}\" is not one I read; give from and to as ISO dates instead."
            : $"period \"{phrase}\" names {distinct.Count} periods; give one.";
        return null;
    }

    private static bool TryDay(string? text, out DateOnly? day)
    {
        day = null;
        if (string.IsNullOrWhiteSpace(text)) return true;
        if (!DateOnly.TryParseExact(text.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed)) return false;
        day = parsed;
        return true;
    }

    private static string Label(DateOnly day) => day.ToString("d MMMM yyyy", CultureInfo.InvariantCulture);
}
