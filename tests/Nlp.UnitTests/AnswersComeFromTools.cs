using LedgerX.Nlp.Domain;
using LedgerX.Nlp.Domain.Answers;
using LedgerX.Nlp.Domain.Evaluation;
using LedgerX.Nlp.Domain.Interpreting;
using LedgerX.Nlp.Domain.Questions;
using LedgerX.Nlp.Domain.Tools;

namespace LedgerX.Nlp.UnitTests;

public sealed class AnswersComeFromTools
{
    private static readonly SyntheticDataset Data = SyntheticDataset.Generate();
    private static readonly TimeZoneInfo Berlin = TimeZoneInfo.FindSystemTimeZoneById(SyntheticDataset.Zone);

    private static async Task<Answer> Ask(string user, string question)
    {
        var result = new QuestionInterpreter().Interpret(question, Berlin, Data.Now);
        return result.Interpretation is { } i
            ? await AnswerPlanner.AnswerAsync(new Asker(user, Berlin), i, new ReferenceTools(Data).AsTools(), CancellationToken.None)
            : Answer.Refused(result.Refusal!);
    }

    [Fact]
    public async Task SpendingIsTheSumOfTheCitedEntriesAndSaysSo()
    {
        var answer = await Ask("user-alice", "How much did I spend on groceries last month?");

        var alice = Data.Accounts.Where(a => a.UserId == "user-alice").Select(a => a.Id).ToHashSet();
        var may = Data.Entries.Where(e => alice.Contains(e.AccountId) && e.Category == "groceries" && e.AmountMinor < 0
            && e.OccurredAt >= new DateTimeOffset(2026, 5, 1, 0, 0, 0, TimeSpan.FromHours(2)) && e.OccurredAt < new DateTimeOffset(2026, 6, 1, 0, 0, 0, TimeSpan.FromHours(2))).ToList();
        may.ShouldNotBeEmpty();
        var total = new Money(-may.Sum(e => e.AmountMinor), "EUR").ToString();
        answer.Figures.ShouldBe([new Figure("spent.groceries.EUR", total)]);
        answer.Text.ShouldContain(total);
        answer.Citations.Select(c => c.Id).ShouldBe(may.OrderBy(e => e.OccurredAt).Select(e => e.Id));
        answer.TemplateVersion.ShouldBe(AnswerComposer.TemplateVersion);
    }

    [Fact]
    public async Task AnotherUsersAccountIsNotFoundLikeAMissingOne()
    {
        var alicesAccount = Data.Accounts.First(a => a.UserId == "user-alice");
        var foreign = await Ask("user-bob", $"What is the balance of account ending {alicesAccount.Last4}?");
        var missing = await Ask("user-bob", "What is the balance of account ending 0000?");

        foreign.Refusal!.Reason.ShouldBe(RefusalReason.NotFound);
        foreign.Text.ShouldBe(missing.Text);
        foreign.Figures.ShouldBeEmpty();
    }

    [Fact]
    public async Task BalanceAtTheEndOfAMonthCountsOnlyEarlierEntries()
    {
        var answer = await Ask("user-bob", "What was my balance at the end of March?");
        var account = Data.Accounts.Single(a => a.UserId == "user-bob");
        var end = new DateTimeOffset(2026, 4, 1, 0, 0, 0, TimeSpan.FromHours(2));
        var expected = new Money(account.OpeningMinor + Data.Entries.Where(e => e.AccountId == account.Id && e.OccurredAt < end).Sum(e => e.AmountMinor), "EUR");
        answer.Figures.ShouldBe([new Figure("balance.everyday", expected.ToString())]);
    }

    [Fact]
    public async Task AFlagIsExplainedWithItsReasonsAndCited()
    {
        var answer = await Ask("user-carol", "Why was my payment flagged?");
        var flag = Data.Flags.Single(f => Data.Entries.Single(e => e.Id == f.EntryId).AccountId == Data.Accounts.Single(a => a.UserId == "user-carol").Id);
        answer.Citations.ShouldContain(new Citation(CitationKinds.Flag, flag.Id));
        answer.Figures.ShouldContain(new Figure("reasons", string.Join(",", flag.Reasons)));
    }

    [Fact]
    public void MoneyIsPrintedInItsCurrencysMinorUnits()
    {
        new Money(123_456, "EUR").ToString().ShouldBe("1,234.56 EUR");
        new Money(-5, "GBP").ToString().ShouldBe("-0.05 GBP");
        new Money(1500, "JPY").ToString().ShouldBe("1,500 JPY");
        Should.Throw<InvalidOperationException>(() => new Money(1, "EUR").Plus(new Money(1, "GBP")));
    }
}
