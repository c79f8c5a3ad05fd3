using System.Text.RegularExpressions;
using LedgerX.Nlp.Domain.Questions;

namespace LedgerX.Nlp.Domain.Interpreting;

/// <summary>Which intents a normalised question signals, by cue phrases (English and German). The interpreter decides
/// between them; this only reports.</summary>
public static partial class IntentDetector
{
    public static IReadOnlySet<Intent> Detect(string normalized)
    {
        var found = new HashSet<Intent>();
        if (WhyFlagged().IsMatch(normalized)) found.Add(Intent.WhyFlagged);
        if (Reversal().IsMatch(normalized)) found.Add(Intent.ReversalStatus);
        if (Unusual().IsMatch(normalized)) found.Add(Intent.UnusualTransactions);
        if (Compare().IsMatch(normalized)) found.Add(Intent.MonthOverMonth);
        if (Counterparties().IsMatch(normalized)) found.Add(Intent.TopCounterparties);
        if (Largest().IsMatch(normalized)) found.Add(Intent.LargestTransactions);
        if (Balance().IsMatch(normalized)) found.Add(Intent.BalanceAtDate);
        if (Income().IsMatch(normalized)) found.Add(Intent.IncomeVsSpending);
        if (Spending().IsMatch(normalized)) found.Add(Intent.SpendingByCategory);
        return found;
    }

    /// <summary>Asks the tools cannot answer by construction: forecasts, advice, commands to move money.</summary>
    public static bool IsOutOfScope(string normalized) => OutOfScope().IsMatch(normalized);

    /// <summary>About someone else: "how much did Bob spend", "my wife's balance", "other users".</summary>
    public static bool IsAboutSomeoneElse(string normalized)
    {
        if (OtherPeople().IsMatch(normalized)) return true;
        foreach (Match match in Possessive().Matches(normalized))
            if (!NotPeople.Contains(match.Groups["who"].Value)) return true;
        var subject = ThirdPartySubject().Match(normalized);
        return subject.Success && !NotPeople.Contains(subject.Groups["who"].Value);
    }

    private static readonly HashSet<string> NotPeople =
    [
        "i", "we", "my", "me", "ich", "wir", "today", "yesterday", "month", "week", "year", "last", "this", "what",
        "that", "it", "there", "the", "anything", "something", "rent", "salary", "spending", "income", "money",
        "balance", "account", "reversal", "refund", "transaction", "payment", "bill", "bills", "everyone",
    ];

    [GeneratedRegex(@" (?:why|warum|wieso|weshalb|reason)\b.*\b(?:flag|flagged|blocked|frozen|declined|held|suspicious|markiert|gesperrt|blockiert|geblockt)")]
    private static partial Regex WhyFlagged();
    [GeneratedRegex(@" (?:reversal|reversals|refund|refunds|chargeback|rueckbuchung|erstattung|storno|reversed)(?= )")]
    private static partial Regex Reversal();
    [GeneratedRegex(@" (?:unusual|suspicious|strange|odd|weird|anomalous|anomalies|flagged|ungewoehnliche?n?|verdaechtige?n?|seltsame?n?)(?= )")]
    private static partial Regex Unusual();
    [GeneratedRegex(@" (?:compare|compared|comparison|versus|vs|month over month|month on month|than (?:the month before|last month|the previous month|before|in)|im vergleich|vergleich|vergleiche|gegenueber)(?= )")]
    private static partial Regex Compare();
    [GeneratedRegex(@" (?:counterpart(?:y|ies)|merchants?|payees?|recipients?|shops?|stores?|haendler|empfaenger|who (?:did|do) i (?:pay|send|spend)|where (?:do|did) i (?:shop|spend) (?:the )?most|whom|wem|wen)(?= )")]
    private static partial Regex Counterparties();
    [GeneratedRegex(@" (?:largest|biggest|highest|most expensive|largest|groessten|groesste|hoechsten|teuersten|teuerste|transactions (?:over|above)|payments (?:over|above)|purchases (?:over|above))(?= )")]
    private static partial Regex Largest();
    [GeneratedRegex(@" (?:balance|balances|kontostand|saldo|how much (?:money )?(?:do|did) i have|wie viel geld (?:habe|hatte) ich)(?= )")]
    private static partial Regex Balance();
    [GeneratedRegex(@" (?:income|earn|earned|earnings|einnahmen|verdient|net savings|save|saved|gespart)(?= )")]
    private static partial Regex Income();
    [GeneratedRegex(@" (?:spend|spent|spending|expenses|expenditure|cost|costs|ausgegeben|ausgaben|how much (?:did|do) i pay|wie viel (?:habe ich )?(?:fuer|fur) |where did (?:my|all my|the) money go)")]
    private static partial Regex Spending();
    [GeneratedRegex(@"^ (?:(?:please )?(?:transfer|send|pay|move|open|close|freeze|unfreeze|cancel|block|ueberweise|sende|zahle) )|(?: (?:will|predict|forecast|prognose|next month|next week|next year|naechsten monat|should i|recommend|advice|invest|investment|stocks?|crypto|bitcoin|tax|taxes|steuern|loan|mortgage|credit score|weather|joke)(?= ))")]
    private static partial Regex OutOfScope();
    [GeneratedRegex(@" (?:someone else|somebody else|other (?:users?|people|customers?)|everyone|all users|every user|anderer nutzer|anderen nutzer|jemand anderes)(?= )")]
    private static partial Regex OtherPeople();
    [GeneratedRegex(@" (?<who>[a-z]+)'s (?:account|accounts|balance|spending|transactions|money|salary|income|payments|expenses|konto|card)(?= )")]
    private static partial Regex Possessive();
    [GeneratedRegex(@" (?:did|does|has|had|is|was) (?<who>[a-z]+) (?:spend|spent|earn|earned|pay|paid|get|receive|received|have|save|saved)(?= )")]
    private static partial Regex ThirdPartySubject();
}
