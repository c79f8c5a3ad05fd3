using System.Globalization;
using LedgerX.Nlp.Domain.Questions;
using LedgerX.Nlp.Domain.Tools;

namespace LedgerX.Nlp.Domain.Answers;

/// <summary>Phrases tool results as answers: one template per intent, every figure copied from a result, every record
/// used cited. The version is recorded with each answer so a changed phrasing can be told from a changed figure.</summary>
public static class AnswerComposer
{
    public const string TemplateVersion = "answers-en-v1";

    /// <summary>Bounds the citations of one answer; the figures still cover every entry summed.</summary>
    public const int MaxCitations = 200;

    private static string N(int value) => value.ToString(CultureInfo.InvariantCulture);
    private static string When(DateTimeOffset instant) => instant.ToString("d MMM yyyy", CultureInfo.InvariantCulture);
    private static string On(Period period) => period.Label;
    private static string Capitalized(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];

    private static Answer Make(Interpretation i, string text, List<Figure> figures, IEnumerable<Citation> citations) =>
        new(i.Intent, text, figures, citations.Distinct().Take(MaxCitations).ToList(), TemplateVersion, null);

    private static IEnumerable<Citation> Entries(IEnumerable<Guid> ids) => ids.Select(id => new Citation(CitationKinds.Entry, id));

    public static Answer Spending(Interpretation i, SpendingByCategoryResult result)
    {
        var what = (i.Slots.Category is { } c ? " on " + c : "") + (i.Slots.Counterparty is { } cp ? " at " + cp : "");
        if (result.Rows.Count == 0)
            return Make(i, $"I found no spending{what} {On(i.Slots.Period!)}.", [], []);
        var figures = result.Rows.Select(r => new Figure($"spent.{r.Category}.{r.Total.Currency}", r.Total.ToString())).ToList();
        var text = i.Slots.Category is not null || result.Rows.Count == 1
            ? $"You spent {string.Join(" and ", result.Rows.Select(r => r.Total.ToString()))}{what} {On(i.Slots.Period!)} ({N(result.Rows.Sum(r => r.Count))} transactions)."
            : $"Your spending{what} {On(i.Slots.Period!)} by category: " + string.Join(", ", result.Rows.Select(r => $"{r.Category} {r.Total} ({N(r.Count)})")) + ".";
        return Make(i, text, figures, Entries(result.Rows.SelectMany(r => r.EntryIds)));
    }

    public static Answer IncomeVsSpending(Interpretation i, IncomeVsSpendingResult result)
    {
        if (result.PerCurrency.Count == 0)
            return Make(i, $"I found no income and no spending {On(i.Slots.Period!)}.", [], []);
        var figures = new List<Figure>();
        var parts = new List<string>();
        foreach (var row in result.PerCurrency)
        {
            figures.Add(new Figure("income." + row.Income.Currency, row.Income.ToString()));
            figures.Add(new Figure("spending." + row.Income.Currency, row.Spending.ToString()));
            figures.Add(new Figure("net." + row.Income.Currency, row.Net.ToString()));
            parts.Add($"income {row.Income}, spending {row.Spending}, net {row.Net}");
        }
        return Make(i, $"{Capitalized(On(i.Slots.Period!))}: " + string.Join("; ", parts) + ".",
            figures, Entries(result.PerCurrency.SelectMany(r => r.EntryIds)));
    }

    public static Answer TopCounterparties(Interpretation i, TopCounterpartiesResult result)
    {
        if (result.Rows.Count == 0)
            return Make(i, $"You paid no one {On(i.Slots.Period!)}.", [], []);
        var figures = result.Rows.Select((r, n) => new Figure($"top.{N(n + 1)}", $"{r.Counterparty}: {r.Total}")).ToList();
        var text = $"Whom you paid most {On(i.Slots.Period!)}: " +
            string.Join(", ", result.Rows.Select((r, n) => $"{N(n + 1)}. {r.Counterparty} {r.Total} ({N(r.Count)} payments)")) + ".";
        return Make(i, text, figures, Entries(result.Rows.SelectMany(r => r.EntryIds)));
    }

    public static Answer MonthOverMonth(Interpretation i, Period previous, MonthOverMonthResult result)
    {
        var what = i.Slots.Category is { } c ? " on " + c : "";
        if (result.PerCurrency.Count == 0)
            return Make(i, $"I found no spending{what} {On(i.Slots.Period!)} nor {previous.Label}.", [], []);
        var figures = new List<Figure>();
        var parts = new List<string>();
        foreach (var row in result.PerCurrency)
        {
            var currency = row.Current.Currency;
            figures.Add(new Figure("current." + currency, row.Current.ToString()));
            figures.Add(new Figure("previous." + currency, row.Previous.ToString()));
            figures.Add(new Figure("change." + currency, row.Change.ToString()));
            var direction = row.Change.Minor switch { > 0 => "more", < 0 => "less", _ => "the same" };
            parts.Add($"{row.Current} {On(i.Slots.Period!)} against {row.Previous} {previous.Label} ({row.Change}, {direction})");
        }
        return Make(i, $"Your spending{what}: " + string.Join("; ", parts) + ".", figures, Entries(result.PerCurrency.SelectMany(r => r.EntryIds)));
    }

    public static Answer Balance(Interpretation i, BalanceAtResult result)
    {
        if (result.Accounts.Count == 0)
            return Make(i, "You have no accounts I can see.", [], []);
        var figures = result.Accounts.Select(a => new Figure("balance." + a.AccountName.ToLowerInvariant(), a.Balance.ToString())).ToList();
        var at = i.Slots.Period!.Label == "now" ? "now" : $"at the end of the period ({i.Slots.Period.Label})";
        var text = $"Your balance {at}: " + string.Join(", ", result.Accounts.Select(a => $"{a.AccountName} {a.Balance}")) + ".";
        var citations = result.Accounts.SelectMany(a => a.LastEntryId is { } e
            ? new[] { new Citation(CitationKinds.Account, a.AccountId), new Citation(CitationKinds.Entry, e) }
            : [new Citation(CitationKinds.Account, a.AccountId)]);
        return Make(i, text, figures, citations);
    }

    public static Answer Largest(Interpretation i, TransactionListResult result)
    {
        if (result.Rows.Count == 0)
            return Make(i, $"I found no matching transactions {On(i.Slots.Period!)}.", [], []);
        var figures = result.Rows.Select((r, n) => new Figure($"transaction.{N(n + 1)}", $"{r.Counterparty}: {r.Amount}")).ToList();
        var text = $"Your largest transactions {On(i.Slots.Period!)}: " +
            string.Join(", ", result.Rows.Select((r, n) => $"{N(n + 1)}. {r.Amount} to {r.Counterparty} on {When(r.OccurredAt)}")) + ".";
        return Make(i, text, figures, Entries(result.Rows.Select(r => r.EntryId)));
    }

    public static Answer Unusual(Interpretation i, UnusualTransactionsResult result)
    {
        if (result.Rows.Count == 0)
            return Make(i, $"Nothing unusual was flagged {On(i.Slots.Period!)}.", [], []);
        var figures = result.Rows.Select((r, n) => new Figure($"unusual.{N(n + 1)}", $"{r.Transaction.Counterparty}: {r.Transaction.Amount} score {N(r.Score)}")).ToList();
        var text = $"Flagged as unusual {On(i.Slots.Period!)}: " + string.Join(", ", result.Rows.Select(r =>
            $"{r.Transaction.Amount} to {r.Transaction.Counterparty} on {When(r.Transaction.OccurredAt)} (score {N(r.Score)}: {string.Join(", ", r.Reasons)})")) + ".";
        return Make(i, text, figures, result.Rows.SelectMany(r => new[]
            { new Citation(CitationKinds.Flag, r.FlagId), new Citation(CitationKinds.Entry, r.Transaction.EntryId) }));
    }

    public static Answer WhyFlagged(Interpretation i, FlagExplanation flag)
    {
        var figures = new List<Figure>
        {
            new("amount", flag.Transaction.Amount.ToString()), new("score", N(flag.Score)), new("reasons", string.Join(",", flag.Reasons)),
        };
        var text = $"Your payment of {flag.Transaction.Amount} to {flag.Transaction.Counterparty} on {When(flag.Transaction.OccurredAt)} " +
            $"was flagged with score {N(flag.Score)} because: {string.Join(", ", flag.Reasons)}.";
        return Make(i, text, figures, [new Citation(CitationKinds.Flag, flag.FlagId), new Citation(CitationKinds.Entry, flag.Transaction.EntryId)]);
    }

    public static Answer Reversal(Interpretation i, ReversalStatus reversal)
    {
        var figures = new List<Figure> { new("status", reversal.Status), new("amount", reversal.Amount.ToString()) };
        var detail = reversal.Status switch
        {
            "completed" when reversal.CompletedAt is { } done => $" on {When(done)}",
            "failed" => $": {reversal.FailureReason}",
            _ => $" since {When(reversal.RequestedAt)}",
        };
        var text = $"Your reversal of {reversal.Amount} is {reversal.Status}{detail}.";
        return Make(i, text, figures, [new Citation(CitationKinds.Reversal, reversal.ReversalId), new Citation(CitationKinds.Entry, reversal.OriginalEntryId)]);
    }
}
