using LedgerX.Analytics.Api.Events;
using LedgerX.Analytics.Api.Projections;
using static LedgerX.Analytics.UnitTests.Projections.Entries;

namespace LedgerX.Analytics.UnitTests.Projections;

public sealed class SpendingBucketing
{
    [Fact]
    public void ADebit_CountsAsSpendingOfThePayer_InItsUtcMonthAndCategory()
    {
        var transfer = Transfer(Alice, Bob, 1_250, "2026-11-28T10:00:00Z", category: "Groceries");

        var changes = Projector.Posted(transfer);

        var spending = changes.Spending.ShouldHaveSingleItem();
        spending.ShouldBe(new SpendingIncrement(transfer.EntryId, Alice, new DateOnly(2026, 11, 1), "groceries", "EUR", 1_250));
        changes.ReversalAdjustments.ShouldBeEmpty();
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
        var reversal = Transfer(Bob, Alice, 1_250, "2026-11-29T10:00:00Z") with { Kind = Projector.ReversalKind, ReversesEntryId = Guid.CreateVersion7() };

        var changes = Projector.Posted(reversal);

        changes.Spending.ShouldBeEmpty();
        changes.DailyVolumes.Single().Kind.ShouldBe("reversal");
        changes.BalancePoints.Count.ShouldBe(2);
    }

    [Fact]
    public void AReversal_GivesBackToThePayer_AgainstTheEntryItReverses()
    {
        var original = Transfer(Alice, Bob, 1_250, "2026-11-28T10:00:00Z", category: "electronics");
        var reversal = Transfer(Bob, Alice, 1_000, "2026-12-02T10:00:00Z") with { Kind = Projector.ReversalKind, ReversesEntryId = original.EntryId };

        var changes = Projector.Posted(reversal);

        changes.ReversalAdjustments.ShouldBe(
            [new ReversalAdjustment(reversal.EntryId, original.EntryId, Bob, "EUR", -1_000), new ReversalAdjustment(reversal.EntryId, original.EntryId, Alice, "EUR", 1_000)],
            ignoreOrder: true);
    }

    [Fact]
    public void ACompensation_TakesTheRefundBack_OnTheSameAccounts()
    {
        // A compensation reverses the reversal: the payer is debited again, which the spending query finds one step further.
        var reversal = Guid.CreateVersion7();
        var compensation = Transfer(Alice, Bob, 1_000, "2026-12-02T10:05:00Z") with { Kind = Projector.ReversalKind, ReversesEntryId = reversal };

        var changes = Projector.Posted(compensation);

        changes.Spending.ShouldBeEmpty();
        changes.ReversalAdjustments.ShouldContain(new ReversalAdjustment(compensation.EntryId, reversal, Alice, "EUR", -1_000));
    }
}
