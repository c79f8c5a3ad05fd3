using LedgerX.Analytics.Api.Events;
using LedgerX.Analytics.Api.Projections;
using static LedgerX.Analytics.UnitTests.Projections.Entries;

namespace LedgerX.Analytics.UnitTests.Projections;

public sealed class DailyVolumes
{
    [Fact]
    public void AnEntry_MovesTheSumOfItsDebits_OnceNotTwice()
    {
        var volume = Projector.Posted(Transfer(Alice, Bob, 999, "2026-11-28T23:59:59Z")).DailyVolumes.ShouldHaveSingleItem();

        volume.ShouldBe(new DailyVolumeIncrement(new DateOnly(2026, 11, 28), "EUR", "transfer", 999));
    }

    [Fact]
    public void AMultiCurrencyEntry_CountsPerCurrency()
    {
        var fx = Entry("journal", "2026-11-28T10:00:00Z",
            new PostingLine(Alice, PostingLine.Debit, 100, "EUR", -100), new PostingLine(World, PostingLine.Credit, 100, "EUR", 100),
            new PostingLine(World, PostingLine.Debit, 110, "USD", -110), new PostingLine(Alice, PostingLine.Credit, 110, "USD", 110));

        Projector.Posted(fx).DailyVolumes.Select(v => (v.Currency, v.AmountMinor)).ShouldBe([("EUR", 100L), ("USD", 110L)], ignoreOrder: true);
    }

    [Fact]
    public void MidnightUtc_StartsANewDay()
    {
        Projector.Posted(Transfer(Alice, Bob, 1, "2026-11-29T00:00:00Z")).DailyVolumes.Single().Day.ShouldBe(new DateOnly(2026, 11, 29));
    }

    [Fact]
    public void HoldAndReversalEvents_AreCountedPerDayUnderTheirType()
    {
        var at = DateTimeOffset.Parse("2026-11-28T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture);

        Projector.Project(Topics.HoldCreated, new HoldChanged { EventId = Guid.CreateVersion7(), OccurredAt = at, AccountId = Alice })
            .DailyActivity.ShouldBe([new DailyActivityIncrement(new DateOnly(2026, 11, 28), "hold.created.v1")]);
        Projector.Project(Topics.ReversalCompleted, new ReversalChanged { EventId = Guid.CreateVersion7(), OccurredAt = at })
            .DailyActivity.ShouldBe([new DailyActivityIncrement(new DateOnly(2026, 11, 28), "reversal.completed.v1")]);
    }

    [Fact]
    public void AFraudAlert_CountsForItsAccountAndDay_WithItsScore()
    {
        var at = DateTimeOffset.Parse("2026-11-28T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture);

        var changes = Projector.Project(Topics.FraudFlagged, new FraudFlagged { EventId = Guid.CreateVersion7(), OccurredAt = at, AccountId = Alice, Score = 87.5m });

        changes.Alerts.ShouldBe([new AlertIncrement(Alice, new DateOnly(2026, 11, 28), 87.5m)]);
        changes.BalancePoints.ShouldBeEmpty();
    }
}
