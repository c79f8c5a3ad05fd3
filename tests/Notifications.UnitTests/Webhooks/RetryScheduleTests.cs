using LedgerX.Notifications.Api.Webhooks;

namespace LedgerX.Notifications.UnitTests.Webhooks;

public sealed class RetryScheduleTests
{
    private static readonly WebhookOptions Defaults = new();

    [Fact]
    public void Ceilings_GrowFourfoldFromTheBaseUpToTheCap()
    {
        var ceilings = Enumerable.Range(1, 7).Select(n => RetrySchedule.Ceiling(n, Defaults.RetryBaseDelayMs, Defaults.RetryMaxDelayMs)).ToList();

        ceilings.ShouldBe([
            TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(4), TimeSpan.FromMinutes(16), TimeSpan.FromMinutes(64),
            TimeSpan.FromMinutes(256), TimeSpan.FromHours(12), TimeSpan.FromHours(12)]);
    }

    [Fact]
    public void DefaultSchedule_SpreadsRetriesOverHours()
    {
        var worstCase = Enumerable.Range(1, Defaults.MaxAttempts - 1)
            .Select(n => RetrySchedule.Ceiling(n, Defaults.RetryBaseDelayMs, Defaults.RetryMaxDelayMs))
            .Aggregate(TimeSpan.Zero, (sum, c) => sum + c);

        worstCase.ShouldBeGreaterThan(TimeSpan.FromHours(24));
        worstCase.ShouldBeLessThan(TimeSpan.FromHours(36));
    }

    [Fact]
    public void NextDelay_IsFullJitterBelowTheCeiling()
    {
        RetrySchedule.NextDelay(3, Defaults, 0).ShouldBe(TimeSpan.Zero);
        RetrySchedule.NextDelay(3, Defaults, 0.5).ShouldBe(TimeSpan.FromMinutes(8));
        RetrySchedule.NextDelay(3, Defaults, 0.999_999)!.Value.ShouldBeLessThan(TimeSpan.FromMinutes(16));
    }

    [Fact]
    public void NextDelay_AfterTheLastAttempt_IsNone()
    {
        RetrySchedule.NextDelay(Defaults.MaxAttempts - 1, Defaults, 0.5).ShouldNotBeNull();
        RetrySchedule.NextDelay(Defaults.MaxAttempts, Defaults, 0.5).ShouldBeNull();
    }

    [Fact]
    public void NextDelay_RefusesADrawOutsideTheUnitInterval() =>
        Should.Throw<ArgumentOutOfRangeException>(() => RetrySchedule.NextDelay(1, Defaults, 1));

    [Fact]
    public void Ceiling_NeverOverflowsOnAHugeAttemptCount() =>
        RetrySchedule.Ceiling(int.MaxValue, 60_000, 43_200_000).ShouldBe(TimeSpan.FromHours(12));
}
