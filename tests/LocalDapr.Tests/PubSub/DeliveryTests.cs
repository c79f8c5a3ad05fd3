using Dapr;
using LedgerX.LocalDapr.PubSub;
using LedgerX.LocalDapr.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace LedgerX.LocalDapr.Tests.PubSub;

public sealed class DeliveryTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Retry_status_is_redelivered_under_the_inbound_resiliency_policy()
    {
        int calls = 0;
        await using var env = await PubSubEnvironment.StartAsync(
            (web, app) => web.MapPost("/flaky", async (HttpContext c) =>
            {
                await app.RecordAsync(c);
                return Interlocked.Increment(ref calls) < 3 ? Results.Json(new { status = "RETRY" }) : Results.Json(new { status = "SUCCESS" });
            }).WithTopic("pubsub", "flaky"),
            r => r.With("resiliency.yaml", ResiliencyYaml.InboundRetries(5)));

        await env.Client.PublishEventAsync("pubsub", "flaky", new { n = 1 }, Ct);

        var record = await env.Sidecar.PubSub.WaitForDeliveryAsync(_ => true, TimeSpan.FromSeconds(5), Ct);
        record.Outcome.ShouldBe(DeliveryOutcome.Success);
        record.Attempts.ShouldBe(3);
        env.App.Received.Count.ShouldBe(3);
    }

    [Fact]
    public async Task Server_errors_are_retried_then_dead_lettered()
    {
        await using var env = await PubSubEnvironment.StartAsync(
            (web, app) =>
            {
                web.MapPost("/failing", async (HttpContext c) =>
                {
                    await app.RecordAsync(c);
                    return Results.StatusCode(500);
                }).WithTopic(new TopicOptions { PubsubName = "pubsub", Name = "payments", DeadLetterTopic = "payments-dlq" });
                web.MapPost("/dlq", async (HttpContext c) =>
                {
                    await app.RecordAsync(c);
                    return Results.Ok();
                }).WithTopic("pubsub", "payments-dlq");
            },
            r => r.With("resiliency.yaml", ResiliencyYaml.InboundRetries(2)));

        await env.Client.PublishEventAsync("pubsub", "payments", new { amount = 7 }, new Dictionary<string, string> { ["cloudevent.id"] = "pay-1" }, Ct);

        var dead = (await env.App.WaitForAsync(r => r.Path == "/dlq")).Single();
        dead.Body.ShouldContain("\"amount\":7");
        env.App.Received.Count(r => r.Path == "/failing").ShouldBe(3);
        (await env.Sidecar.PubSub.WaitForDeliveryAsync(d => d.Topic == "payments", TimeSpan.FromSeconds(5), Ct)).Outcome.ShouldBe(DeliveryOutcome.DeadLettered);
    }

    [Fact]
    public async Task Drop_status_is_not_redelivered()
    {
        await using var env = await PubSubEnvironment.StartAsync(
            (web, app) => web.MapPost("/drop", async (HttpContext c) =>
            {
                await app.RecordAsync(c);
                return Results.Json(new { status = "DROP" });
            }).WithTopic("pubsub", "drop"),
            r => r.With("resiliency.yaml", ResiliencyYaml.InboundRetries(5)));

        await env.Client.PublishEventAsync("pubsub", "drop", new { n = 1 }, Ct);

        var record = await env.Sidecar.PubSub.WaitForDeliveryAsync(_ => true, TimeSpan.FromSeconds(5), Ct);
        record.Outcome.ShouldBe(DeliveryOutcome.Dropped);
        record.Attempts.ShouldBe(1);
        await Task.Delay(200, Ct);
        env.App.Received.Count.ShouldBe(1);
    }

    [Fact]
    public async Task Not_found_from_the_app_is_dropped_without_retry()
    {
        await using var env = await PubSubEnvironment.StartAsync(
            (_, _) => { },
            r => r.With("resiliency.yaml", ResiliencyYaml.InboundRetries(5)).With("subscription.yaml", """
                apiVersion: dapr.io/v2alpha1
                kind: Subscription
                metadata:
                  name: orders
                spec:
                  pubsubname: pubsub
                  topic: orders
                  routes:
                    default: /not-mapped
                """));

        await env.Client.PublishEventAsync("pubsub", "orders", new { n = 1 }, Ct);

        var record = await env.Sidecar.PubSub.WaitForDeliveryAsync(_ => true, TimeSpan.FromSeconds(5), Ct);
        record.Outcome.ShouldBe(DeliveryOutcome.Dropped);
        record.Attempts.ShouldBe(1);
        record.Route.ShouldBe("/not-mapped");
    }

    [Fact]
    public async Task Routing_rules_pick_the_first_matching_cel_expression_else_the_default()
    {
        await using var env = await PubSubEnvironment.StartAsync((web, app) =>
        {
            web.MapPost("/orders/vip", async (HttpContext c) =>
            {
                await app.RecordAsync(c);
                return Results.Ok();
            }).WithTopic(new TopicOptions { PubsubName = "pubsub", Name = "orders", Match = "event.type == \"vip\" && event.data.amount > 100", Priority = 1 });
            web.MapPost("/orders", async (HttpContext c) =>
            {
                await app.RecordAsync(c);
                return Results.Ok();
            }).WithTopic("pubsub", "orders");
        });

        await env.Client.PublishEventAsync("pubsub", "orders", new { amount = 500 }, new Dictionary<string, string> { ["cloudevent.type"] = "vip" }, Ct);
        await env.Client.PublishEventAsync("pubsub", "orders", new { amount = 50 }, new Dictionary<string, string> { ["cloudevent.type"] = "vip" }, Ct);
        await env.Client.PublishEventAsync("pubsub", "orders", new { amount = 900 }, Ct);

        (await env.App.WaitForAsync(r => r.Path == "/orders/vip")).Single().Body.ShouldContain("500");
        (await env.App.WaitForAsync(r => r.Path == "/orders", count: 2)).Count.ShouldBe(2);
    }

    [Fact]
    public async Task Declarative_subscription_is_delivered_and_listed_in_metadata()
    {
        await using var env = await PubSubEnvironment.StartAsync(
            (web, app) => web.MapPost("/audit", async (HttpContext c) =>
            {
                await app.RecordAsync(c);
                return Results.Ok();
            }),
            r => r.With("subscription.yaml", """
                apiVersion: dapr.io/v1alpha1
                kind: Subscription
                metadata:
                  name: audit
                spec:
                  pubsubname: pubsub
                  topic: audit
                  route: /audit
                """));

        await env.Client.PublishEventAsync("pubsub", "audit", new { who = "me" }, Ct);

        (await env.App.WaitForAsync(r => r.Path == "/audit")).Single().Body.ShouldContain("\"who\":\"me\"");
        using var http = new HttpClient();
        string metadata = await http.GetStringAsync($"{env.Sidecar.HttpEndpoint}/v1.0/metadata", Ct);
        metadata.ShouldContain("\"topic\":\"audit\"");
        metadata.ShouldContain("\"type\":\"DECLARATIVE\"");
    }

    [Fact]
    public async Task App_api_token_is_sent_with_deliveries()
    {
        var folder = new ResourceFolder().WithComponent("pubsub", "pubsub.in-memory");
        await using var app = await SubscriberApp.StartAsync((web, a) =>
            web.MapPost("/secure", async (HttpContext c) =>
            {
                await a.RecordAsync(c);
                return Results.Ok();
            }).WithTopic("pubsub", "secure"));
        await using var sidecar = await LedgerX.LocalDapr.Hosting.LocalDaprSidecar.StartAsync(new LedgerX.LocalDapr.Hosting.SidecarOptions { AppId = "secure-app", AppPort = app.Port, ResourcesPaths = [folder.Path], AppApiToken = "app-tok" }, Ct);
        using var client = Clients.For(sidecar);

        await client.PublishEventAsync("pubsub", "secure", new { n = 1 }, Ct);

        (await app.WaitForAsync(r => r.Path == "/secure")).Single().Headers["dapr-api-token"].ShouldBe("app-tok");
        folder.Dispose();
    }
}
