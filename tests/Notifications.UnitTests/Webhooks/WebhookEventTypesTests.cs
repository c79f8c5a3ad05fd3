using LedgerX.Notifications.Api.Intake;
using LedgerX.Notifications.Api.Webhooks;

namespace LedgerX.Notifications.UnitTests.Webhooks;

public sealed class WebhookEventTypesTests
{
    [Fact]
    public void KnownKinds_AreAValidSubscription() =>
        WebhookEventTypes.Problem([UserEventKinds.All[0], UserEventKinds.All[^1]]).ShouldBeNull();

    [Fact]
    public void Star_AloneIsEverything()
    {
        WebhookEventTypes.Problem(["*"]).ShouldBeNull();
        WebhookEventTypes.Wants(["*"], UserEventKinds.All[0]).ShouldBeTrue();
        WebhookEventTypes.Problem(["*", UserEventKinds.All[0]]).ShouldNotBeNull();
    }

    [Fact]
    public void AnUnknownKind_IsNamed() =>
        WebhookEventTypes.Problem(["transaction.teleported"]).ShouldNotBeNull().ShouldContain("transaction.teleported");

    [Fact]
    public void NoKinds_AreRefused()
    {
        WebhookEventTypes.Problem(null).ShouldNotBeNull();
        WebhookEventTypes.Problem([]).ShouldNotBeNull();
    }

    [Fact]
    public void AnEndpoint_GetsOnlyTheKindsItNamed()
    {
        WebhookEventTypes.Wants([UserEventKinds.All[0]], UserEventKinds.All[0]).ShouldBeTrue();
        WebhookEventTypes.Wants([UserEventKinds.All[0]], UserEventKinds.All[1]).ShouldBeFalse();
    }
}
