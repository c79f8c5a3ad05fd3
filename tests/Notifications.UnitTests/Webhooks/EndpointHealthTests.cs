using LedgerX.Notifications.Api.Webhooks;

namespace LedgerX.Notifications.UnitTests.Webhooks;

public sealed class EndpointHealthTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly WebhookOptions Options = new() { DisableAfterConsecutiveDeadDeliveries = 3, DisableAfterFailingHours = 72 };
    private static readonly EndpointHealth.State Healthy = new(0, null);

    [Fact]
    public void AFailedAttempt_StartsTheFailingClockWithoutDisabling()
    {
        var (next, reason) = EndpointHealth.After(Healthy, EndpointHealth.Outcome.FailedAttempt, Now, Options);

        next.ShouldBe(new EndpointHealth.State(0, Now));
        reason.ShouldBeNull();
    }

    [Fact]
    public void TheNthDeadDeliveryInARow_Disables()
    {
        var (afterTwo, _) = EndpointHealth.After(new(1, Now), EndpointHealth.Outcome.Dead, Now, Options);
        var (afterThree, reason) = EndpointHealth.After(afterTwo, EndpointHealth.Outcome.Dead, Now, Options);

        afterThree.ConsecutiveDeadDeliveries.ShouldBe(3);
        reason.ShouldNotBeNull().ShouldContain("3 deliveries in a row");
    }

    [Fact]
    public void FailingLongerThanTheLimit_Disables()
    {
        var (_, before) = EndpointHealth.After(new(0, Now), EndpointHealth.Outcome.FailedAttempt, Now.AddHours(71), Options);
        var (_, after) = EndpointHealth.After(new(0, Now), EndpointHealth.Outcome.FailedAttempt, Now.AddHours(72), Options);

        before.ShouldBeNull();
        after.ShouldNotBeNull().ShouldContain("72 h");
    }

    [Fact]
    public void ASuccess_ForgetsThePast()
    {
        var (next, reason) = EndpointHealth.After(new(2, Now.AddDays(-2)), EndpointHealth.Outcome.Delivered, Now, Options);

        next.ShouldBe(Healthy);
        reason.ShouldBeNull();
    }
}
