using LedgerX.Analytics.Api.Events;
using LedgerX.Analytics.Api.Projections;
using static LedgerX.Analytics.UnitTests.Projections.Entries;

namespace LedgerX.Analytics.UnitTests.Projections;

public sealed class BalanceSeries
{
    [Fact]
    public void EveryPosting_RecordsItsAccountsBalanceAfter_AtTheEntrysSequence()
    {
        var e = Transfer(Alice, Bob, 300, "2026-11-28T10:00:00Z", sequence: 42, fromBalanceAfter: 700, toBalanceAfter: 300);

        var points = Projector.Posted(e).BalancePoints;

        points.Count.ShouldBe(2);
        points.ShouldContain(new BalancePointFact(Alice, 42, e.OccurredAt, "EUR", 700, "transfer"));
        points.ShouldContain(new BalancePointFact(Bob, 42, e.OccurredAt, "EUR", 300, "transfer"));
    }

    [Fact]
    public void ANegativeBalance_IsKeptAsIs()
    {
        var points = Projector.Posted(Transfer(Alice, Bob, 300, "2026-11-28T10:00:00Z", fromBalanceAfter: -50)).BalancePoints;

        points.Single(p => p.AccountId == Alice).BalanceAfterMinor.ShouldBe(-50);
    }

    [Fact]
    public void AnEntryWithOnePosting_IsRefused()
    {
        var e = Entry("journal", "2026-11-28T10:00:00Z", new PostingLine(Alice, "debit", 1, "EUR", -1));

        Should.Throw<ArgumentException>(() => Projector.Posted(e));
    }

    [Theory]
    [InlineData(0, "debit")]
    [InlineData(-5, "debit")]
    [InlineData(5, "sideways")]
    public void APostingThatIsNotAPositiveDebitOrCredit_IsRefused(long amount, string direction)
    {
        var e = Entry("journal", "2026-11-28T10:00:00Z", new PostingLine(Alice, direction, amount, "EUR", 0), new PostingLine(Bob, "credit", 5, "EUR", 5));

        Should.Throw<ArgumentException>(() => Projector.Posted(e));
    }

    [Fact]
    public void EveryAccountOfTheEntry_IsTouchedOnce()
    {
        var e = Entry("journal", "2026-11-28T10:00:00Z", new PostingLine(Alice, "debit", 1, "EUR", -1), new PostingLine(Alice, "debit", 1, "EUR", -2), new PostingLine(Bob, "credit", 2, "EUR", 2));

        Projector.Posted(e).AccountsTouched.ShouldBe([Alice, Bob], ignoreOrder: true);
    }
}
