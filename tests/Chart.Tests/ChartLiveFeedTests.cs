namespace LedgerX.Chart.Tests;

/// <summary>The live feed's broadcast component (ADR 0016): unlike the shared components it belongs to notification-service
/// (which reads it) and nlp-service (which streams answers on it as ephemeral items) alone, and each replica is its own
/// consumer group.</summary>
public sealed class ChartLiveFeed
{
    public const string Component = "live-pubsub";

    [Fact]
    public void Live_pubsub_is_scoped_to_notification_and_nlp_service_with_a_consumer_group_per_replica()
    {
        var component = ChartRenderer.Render().Single("Component", Component);

        component.List("scopes").ShouldBe(["notification-service", "nlp-service"]);
        string? Value(string name) => Node.Str(component.List("spec", "metadata").Single(m => Node.Str(m, "name") == name), "value");
        Value("consumerID").ShouldBe("{uuid}");
        Value("subscriptionScopes").ShouldBe("notification-service=live.feed.v1");
        Value("publishingScopes").ShouldBe("notification-service=live.feed.v1;nlp-service=live.feed.v1");
    }

    [Fact]
    public void Without_nlp_service_only_notification_service_may_publish_to_the_live_feed()
    {
        var component = ChartRenderer.Render("--set", "nlpService.enabled=false").Single("Component", Component);

        component.List("scopes").ShouldBe(["notification-service"]);
        Node.Str(component.List("spec", "metadata").Single(m => Node.Str(m, "name") == "publishingScopes"), "value")
            .ShouldBe("notification-service=live.feed.v1");
    }

    [Fact]
    public void The_gateway_reaches_the_live_feed_at_notification_services_own_service()
    {
        var chart = ChartRenderer.Render();
        var container = chart.ForApp("Deployment", "gateway").List("spec", "template", "spec", "containers")[0];

        ChartDefaultsRender.Env(container, "Gateway__Live__Destination").ShouldBe("http://release-name-ledgerx-notification-service");
    }

    [Fact]
    public void Without_notification_service_there_is_no_live_pubsub()
    {
        ChartRenderer.Render("--set", "notificationService.enabled=false").OfKind("Component").Select(c => c.Name)
            .ShouldNotContain(Component);
    }
}
