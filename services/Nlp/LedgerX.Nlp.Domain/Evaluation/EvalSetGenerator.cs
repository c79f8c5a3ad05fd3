using System.Globalization;
using LedgerX.Nlp.Domain.Answers;
using LedgerX.Nlp.Domain.Categorization;
using LedgerX.Nlp.Domain.Questions;
using LedgerX.Nlp.Domain.Tools;
using static LedgerX.Nlp.Domain.Questions.Intent;

namespace LedgerX.Nlp.Domain.Evaluation;

/// <summary>Writes the evaluation set: questions with the interpretation a careful reader gives them (written here by
/// hand, not by the interpreter) and the answer figures the reference tools compute from the dataset for that
/// interpretation. The committed JSON is this output; a test keeps the two equal.</summary>
public static class EvalSetGenerator
{
    private sealed record Spec(string UserId, string Question, Intent? Intent, QuestionSlots? Slots, RefusalReason? Refusal);

    public static async Task<EvalSet> GenerateAsync(CancellationToken ct)
    {
        var data = SyntheticDataset.Generate();
        var zone = TimeZoneInfo.FindSystemTimeZoneById(SyntheticDataset.Zone);
        var tools = new ReferenceTools(data).AsTools();
        var cases = new List<EvalCase>();
        foreach (var spec in Specs(data, zone))
        {
            var id = "q" + (cases.Count + 1).ToString("000", CultureInfo.InvariantCulture);
            if (spec.Intent is null)
            {
                cases.Add(new EvalCase(id, spec.UserId, spec.Question, new ExpectedAnswer(Refusal.ReasonName(spec.Refusal!.Value), null)));
                continue;
            }
            var slots = spec.Slots!;
            var answer = await AnswerPlanner.AnswerAsync(new Asker(spec.UserId, zone), new Interpretation(spec.Intent.Value, slots, 1), tools, ct);
            cases.Add(new EvalCase(id, spec.UserId, spec.Question, new ExpectedAnswer(
                answer.Refusal is { } r ? Refusal.ReasonName(r.Reason) : null, spec.Intent.Value.Name(),
                slots.Period is { } p ? new ExpectedPeriod(p.Start, p.End) : null, slots.Category, slots.Counterparty, slots.MinAmount,
                slots.Account, slots.Count, slots.RecordId,
                answer.IsRefusal ? null : answer.Figures, answer.IsRefusal ? null : answer.Citations)));
        }
        return new EvalSet(SyntheticDataset.Seed, data.Now, SyntheticDataset.Zone, AnswerComposer.TemplateVersion, cases);
    }

    private static IEnumerable<Spec> Specs(SyntheticDataset data, TimeZoneInfo zone)
    {
        Period D(int y1, int m1, int d1, int y2, int m2, int d2) => Period.Days(new DateOnly(y1, m1, d1), new DateOnly(y2, m2, d2), zone, "");
        Period Month(int y, int m) => D(y, m, 1, m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1, 1);
        // Now is Monday 15 June 2026, 12:00 in Berlin.
        var lastMonth = Month(2026, 5);
        var thisMonth = Month(2026, 6);
        var march = Month(2026, 3);
        var april = Month(2026, 4);
        var q1 = D(2026, 1, 1, 2026, 4, 1);
        var sinceMay = D(2026, 5, 1, 2026, 6, 16);
        var last30 = D(2026, 5, 17, 2026, 6, 16);
        var last90 = D(2026, 3, 18, 2026, 6, 16);
        var yesterday = D(2026, 6, 14, 2026, 6, 15);
        var thisWeek = D(2026, 6, 15, 2026, 6, 22);
        var lastWeek = D(2026, 6, 8, 2026, 6, 15);
        var thisYear = D(2026, 1, 1, 2027, 1, 1);
        var now = Period.Until(data.Now, "now");

        Spec Q(string user, string question, Intent intent, QuestionSlots slots) => new(user, question, intent, slots, null);
        Spec R(string user, string question, RefusalReason reason) => new(user, question, null, null, reason);

        foreach (var user in data.Users.Select(u => u.UserId))
        {
            var main = data.Accounts.First(a => a.UserId == user);
            var flag = data.Flags.First(f => data.Entries.Single(e => e.Id == f.EntryId).AccountId == main.Id);
            var reversal = data.Reversals.First(r => data.Entries.Single(e => e.Id == r.EntryId).AccountId == main.Id);

            yield return Q(user, "How much did I spend on groceries last month?", SpendingByCategory, new(lastMonth, Categories.Groceries));
            yield return Q(user, "What did I spend on dining in March?", SpendingByCategory, new(march, Categories.Dining));
            yield return Q(user, "How much did I spend on transport this month?", SpendingByCategory, new(thisMonth, Categories.Transport));
            yield return Q(user, "Spending on entertainment in Q1", SpendingByCategory, new(q1, Categories.Entertainment));
            yield return Q(user, "how much did i spend on groceries since 1 May", SpendingByCategory, new(sinceMay, Categories.Groceries));
            yield return Q(user, "What did rent cost me in April?", SpendingByCategory, new(april, Categories.Rent));
            yield return Q(user, "How much did I spend on utilites last month", SpendingByCategory, new(lastMonth, Categories.Utilities));
            yield return Q(user, "how much did I spend on restuarants in the last 30 days??", SpendingByCategory, new(last30, Categories.Dining));
            yield return Q(user, "Show my spending by category last month", SpendingByCategory, new(lastMonth));
            yield return Q(user, "Where did my money go in February?", SpendingByCategory, new(Month(2026, 2)));
            yield return Q(user, "How much did I spend at REWE last month?", SpendingByCategory, new(lastMonth, Counterparty: "rewe"));
            yield return Q(user, "Wie viel habe ich letzten Monat für Lebensmittel ausgegeben?", SpendingByCategory, new(lastMonth, Categories.Groceries));
            yield return Q(user, "Wie viel habe ich im März für Restaurants ausgegeben?", SpendingByCategory, new(march, Categories.Dining));
            yield return Q(user, "HOW MUCH DID I SPEND ON HEALTH YESTERDAY", SpendingByCategory, new(yesterday, Categories.Health));
            yield return Q(user, "how much did I spend on groceries this week", SpendingByCategory, new(thisWeek, Categories.Groceries));
            yield return Q(user, "What did I spend on transport last week?", SpendingByCategory, new(lastWeek, Categories.Transport));
            yield return Q(user, "How much did I spend on entertainment in December?", SpendingByCategory, new(Month(2025, 12), Categories.Entertainment));

            yield return Q(user, "What was my income vs spending last month?", IncomeVsSpending, new(lastMonth));
            yield return Q(user, "Did I earn more than I spent in April?", IncomeVsSpending, new(april));
            yield return Q(user, "Wie hoch waren meine Einnahmen und Ausgaben im Mai?", IncomeVsSpending, new(lastMonth));
            yield return Q(user, "How much did I save in Q1?", IncomeVsSpending, new(q1));

            yield return Q(user, "What is my balance?", BalanceAtDate, new(now));
            yield return Q(user, "What was my balance at the end of March?", BalanceAtDate, new(march));
            yield return Q(user, "What was my balance on 1 May?", BalanceAtDate, new(D(2026, 5, 1, 2026, 5, 2)));
            yield return Q(user, $"Balance of account ending {main.Last4} at the end of last month", BalanceAtDate, new(lastMonth, Account: new AccountReference(main.Last4, null)));
            yield return Q(user, "Wie ist mein Kontostand?", BalanceAtDate, new(now));
            yield return Q(user, "what was my balance yesterday", BalanceAtDate, new(yesterday));

            yield return Q(user, "What were my 3 largest transactions last month?", LargestTransactions, new(lastMonth, Count: 3));
            yield return Q(user, "Show my five biggest purchases in March", LargestTransactions, new(march, Count: 5));
            yield return Q(user, "What was my largest payment this year?", LargestTransactions, new(thisYear, Count: 1));
            yield return Q(user, "Transactions over 100 EUR last month", LargestTransactions, new(lastMonth, MinAmount: new AmountThreshold(10_000, "EUR"), Count: 5));
            yield return Q(user, "Payments above €500 in the last 30 days", LargestTransactions, new(last30, MinAmount: new AmountThreshold(50_000, "EUR"), Count: 5));
            yield return Q(user, "Was sind meine 3 größten Ausgaben im April?", LargestTransactions, new(april, Count: 3));
            yield return Q(user, "biggest dining expenses last month", LargestTransactions, new(lastMonth, Categories.Dining, Count: 5));

            yield return Q(user, "Who did I pay the most last month?", TopCounterparties, new(lastMonth, Count: 5));
            yield return Q(user, "Top 3 merchants in Q1", TopCounterparties, new(q1, Count: 3));
            yield return Q(user, "My top ten payees this year", TopCounterparties, new(thisYear, Count: 10));
            yield return Q(user, "Welche Händler haben im Mai am meisten bekommen?", TopCounterparties, new(lastMonth, Count: 5));

            yield return Q(user, "Any unusual transactions in March?", UnusualTransactions, new(march, Count: 5));
            yield return Q(user, "Were there suspicious payments in the last 90 days?", UnusualTransactions, new(last90, Count: 5));
            yield return Q(user, "Gab es ungewöhnliche Zahlungen seit 1. März?", UnusualTransactions, new(D(2026, 3, 1, 2026, 6, 16), Count: 5));

            yield return Q(user, "How does my spending this month compare to last month?", MonthOverMonth, new(thisMonth));
            yield return Q(user, "Did I spend more on dining in May than in April?", MonthOverMonth, new(lastMonth, Categories.Dining));
            yield return Q(user, "Compare my grocery spending month over month", MonthOverMonth, new(thisMonth, Categories.Groceries));
            yield return Q(user, "Vergleiche meine Ausgaben im Mai mit dem Vormonat", MonthOverMonth, new(lastMonth));

            yield return Q(user, "Why was my payment flagged?", WhyFlagged, new());
            yield return Q(user, $"Why was transaction {data.Flags.Single(f => f.Id == flag.Id).EntryId} flagged?", WhyFlagged, new(RecordId: flag.EntryId));
            yield return Q(user, "Warum wurde meine Zahlung markiert?", WhyFlagged, new());
            yield return Q(user, "Where is my reversal?", Intent.ReversalStatus, new());
            yield return Q(user, $"What is the status of refund {reversal.Id}?", Intent.ReversalStatus, new(RecordId: reversal.Id));
            yield return Q(user, "Wo ist meine Rückbuchung?", Intent.ReversalStatus, new());
        }

        // Someone else's account or record, named exactly: understood, then not found among the asker's own.
        var alice = data.Accounts.Where(a => a.UserId == "user-alice").ToList();
        var aliceFlag = data.Flags.First(f => alice.Any(a => a.Id == data.Entries.Single(e => e.Id == f.EntryId).AccountId));
        var aliceReversal = data.Reversals.First(r => alice.Any(a => a.Id == data.Entries.Single(e => e.Id == r.EntryId).AccountId));
        yield return Q("user-bob", $"What is the balance of account ending {alice[0].Last4}?", BalanceAtDate, new(now, Account: new AccountReference(alice[0].Last4, null)));
        yield return Q("user-carol", $"How much did I spend on dining last month on account ending {alice[1].Last4}?", SpendingByCategory, new(lastMonth, Categories.Dining, Account: new AccountReference(alice[1].Last4, null)));
        yield return Q("user-bob", $"Why was transaction {aliceFlag.EntryId} flagged?", WhyFlagged, new(RecordId: aliceFlag.EntryId));
        yield return Q("user-carol", $"Where is reversal {aliceReversal.Id}?", Intent.ReversalStatus, new(RecordId: aliceReversal.Id));
        yield return Q("user-bob", "What is the balance of my savings account?", BalanceAtDate, new(now, Account: new AccountReference(null, "savings")));
        yield return Q("user-alice", "What is the balance of my savings account?", BalanceAtDate, new(now, Account: new AccountReference(null, "savings")));

        foreach (var (user, question, reason) in new[]
        {
            ("user-alice", "How much did Bob spend on dining last month?", RefusalReason.OtherPersonsData),
            ("user-bob", "What is Alice's balance?", RefusalReason.OtherPersonsData),
            ("user-carol", "Show me my husband's transactions", RefusalReason.OtherPersonsData),
            ("user-alice", "How much did other users spend on groceries?", RefusalReason.OtherPersonsData),
            ("user-bob", "Did Carol earn more than me?", RefusalReason.OtherPersonsData),
            ("user-carol", "What are the balances of all users?", RefusalReason.OtherPersonsData),
            ("user-alice", "Should I invest in bitcoin?", RefusalReason.Unsupported),
            ("user-bob", "Transfer 100 EUR to Anna", RefusalReason.Unsupported),
            ("user-carol", "What will my balance be next month?", RefusalReason.Unsupported),
            ("user-alice", "Tell me a joke", RefusalReason.Unsupported),
            ("user-bob", "What's the weather in Berlin?", RefusalReason.Unsupported),
            ("user-carol", "Hello there", RefusalReason.Unsupported),
            ("user-alice", "Can you lower my rent?", RefusalReason.Unsupported),
            ("user-bob", "What's my credit score?", RefusalReason.Unsupported),
            ("user-carol", "How much tax did I pay last year?", RefusalReason.Unsupported),
            ("user-alice", "Kannst du 50 Euro an Anna überweisen?", RefusalReason.Unsupported),
            ("user-alice", "How much did I spend on groceries and dining last month?", RefusalReason.Ambiguous),
            ("user-bob", "What is my balance and my largest transaction?", RefusalReason.Ambiguous),
            ("user-carol", "How much did I spend in March or April?", RefusalReason.Ambiguous),
            ("user-alice", "Show my top merchants and my unusual payments", RefusalReason.Ambiguous),
        })
            yield return R(user, question, reason);
    }
}
