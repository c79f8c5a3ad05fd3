using LedgerX.Analytics.Api.Events;
using LedgerX.Analytics.Api.Projections;
using static LedgerX.Analytics.UnitTests.Projections.Entries;

namespace LedgerX.Analytics.UnitTests.Projections;

public sealed class SpendingBucketing
{
    [Fact]
    public void ADebit_CountsAsSpendingOfThePayer_InItsUtcMonthAndCategory()
    {
        var changes = Projector.Posted(Transfer(Alice, Bob, 1_250, "2026-11-28T10:00:00Z", category: "Groceries"));

        var spending = changes.Spending.ShouldHaveSingleItem();
        spending.ShouldBe(new SpendingIncrement(Alice, new DateOnly(2026, 11, 1), "groceries", "EUR", 1_250));
    }

    [Fact]
    public void TheReceiver_HasNoSpending()
    {
        var changes = Projector.Posted(Transfer(Alice, Bob, 1_250, "2026-11-28T10:00:00Z", category: "rent"));

        changes.Spending.ShouldNotContain(s => s.AccountId == Bob);
    }

    [Fact]
    public void AnOffsetTimestamp_IsBucketedByItsUtcMonth_NotItsLocalOne()
    {
        // 01:30 on 1 December in UTC+02:00 is still 30 November in UTC.
        var changes = Projector.Posted(Transfer(Alice, Bob, 10, "2026-12-01T01:30:00+02:00"));

        changes.Spending.Single().Month.ShouldBe(new DateOnly(2026, 11, 1));
        changes.DailyVolumes.Single().Day.ShouldBe(new DateOnly(2026, 11, 30));
    }

    [Fact]
    public void TheLastInstantOfAMonth_StaysInThatMonth()
    {
        Projector.MonthOf(DateTimeOffset.Parse("2026-01-31T23:59:59.999999Z", System.Globalization.CultureInfo.InvariantCulture))
            .ShouldBe(new DateOnly(2026, 1, 1));
        Projector.MonthOf(DateTimeOffset.Parse("2026-02-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture))
            .ShouldBe(new DateOnly(2026, 2, 1));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void AnEntryWithoutCategory_IsUncategorized(string? category)
    {
        var changes = Projector.Posted(Transfer(Alice, Bob, 10, "2026-11-28T10:00:00Z", category: category));

        changes.Spending.Single().Category.ShouldBe(Projector.Uncategorized);
    }

    [Fact]
    public void SeveralDebitsOfOneAccount_AddUpPerCurrency()
    {
        var changes = Projector.Posted(Entry("journal", "2026-11-28T10:00:00Z",
            new PostingLine(Alice, "debit", 100, "EUR", -100),
            new PostingLine(Alice, "debit", 50, "EUR", -150),
            new PostingLine(Bob, "credit", 150, "EUR", 150)));

        changes.Spending.ShouldHaveSingleItem().AmountMinor.ShouldBe(150);
    }

    [Fact]
    public void AReversal_IsNotSpending_ButStillMovesVolume()
    {
        var reversal = Transfer(Bob, Alice, 1_250, "2026-11-29T10:00:00Z") with { Kind = Projector.ReversalKind };

        var changes = Projector.Posted(reversal);

        changes.Spending.ShouldBeEmpty();
        changes.DailyVolumes.Single().Kind.ShouldBe("reversal");
        changes.BalancePoints.Count.ShouldBe(2);
    }
}
