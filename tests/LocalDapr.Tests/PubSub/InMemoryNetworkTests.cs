using LedgerX.LocalDapr.Hosting;
using LedgerX.LocalDapr.PubSub;
using LedgerX.LocalDapr.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace LedgerX.LocalDapr.Tests.PubSub;

public sealed class InMemoryNetworkTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Sidecars_sharing_a_network_deliver_one_apps_events_to_every_other_subscribing_app()
    {
        using var resources = new ResourceFolder().WithComponent("pubsub", "pubsub.in-memory");
        await using var network = new InMemoryPubSubNetwork();
        await using var analytics = await SubscriberApp.StartAsync((web, a) =>
            web.MapPost("/posted", async (HttpContext c) =>
            {
                await a.RecordAsync(c);
                return Results.Ok();
            }).WithTopic("pubsub", "transaction.posted.v1"));
        await using var fraud = await SubscriberApp.StartAsync((web, a) =>
            web.MapPost("/score", async (HttpContext c) =>
            {
                await a.RecordAsync(c);
                return Results.Ok();
            }).WithTopic("pubsub", "transaction.posted.v1"));
        await using var analyticsSidecar = await LocalDaprSidecar.StartAsync(new SidecarOptions { AppId = "analytics-service", AppPort = analytics.Port, ResourcesPaths = [resources.Path], InMemoryPubSubNetwork = network }, Ct);
        await using var fraudSidecar = await LocalDaprSidecar.StartAsync(new SidecarOptions { AppId = "fraud-service", AppPort = fraud.Port, ResourcesPaths = [resources.Path], InMemoryPubSubNetwork = network }, Ct);
        await using var ledger = await LocalDaprSidecar.StartAsync(new SidecarOptions { AppId = "transaction-service", ResourcesPaths = [resources.Path], InMemoryPubSubNetwork = network }, Ct);
        using var client = Clients.For(ledger);

        await client.PublishEventAsync("pubsub", "transaction.posted.v1", new { amountMinor = 250 }, new Dictionary<string, string> { ["cloudevent.id"] = "evt-1" }, Ct);

        (await analytics.WaitForAsync(r => r.Path == "/posted")).Single().Body.ShouldContain("250");
        (await fraud.WaitForAsync(r => r.Path == "/score")).Single().Body.ShouldContain("250");
        ledger.PubSub.Published.Single().CloudEventId.ShouldBe("evt-1");
        (await analyticsSidecar.PubSub.WaitForDeliveryAsync(d => d.CloudEventId == "evt-1", TimeSpan.FromSeconds(5), Ct)).Outcome.ShouldBe(DeliveryOutcome.Success);
    }

    [Fact]
    public async Task Replicas_with_the_same_app_id_compete_for_each_message()
    {
        using var resources = new ResourceFolder().WithComponent("pubsub", "pubsub.in-memory");
        await using var network = new InMemoryPubSubNetwork();
        await using var replicaA = await SubscriberApp.StartAsync((web, a) =>
            web.MapPost("/work", async (HttpContext c) =>
            {
                await a.RecordAsync(c);
                return Results.Ok();
            }).WithTopic("pubsub", "work"));
        await using var replicaB = await SubscriberApp.StartAsync((web, a) =>
            web.MapPost("/work", async (HttpContext c) =>
            {
                await a.RecordAsync(c);
                return Results.Ok();
            }).WithTopic("pubsub", "work"));
        await using var sidecarA = await LocalDaprSidecar.StartAsync(new SidecarOptions { AppId = "worker", AppPort = replicaA.Port, ResourcesPaths = [resources.Path], InMemoryPubSubNetwork = network }, Ct);
        await using var sidecarB = await LocalDaprSidecar.StartAsync(new SidecarOptions { AppId = "worker", AppPort = replicaB.Port, ResourcesPaths = [resources.Path], InMemoryPubSubNetwork = network }, Ct);
        using var client = Clients.For(sidecarA);

        for (int i = 0; i < 20; i++)
        {
            await client.PublishEventAsync("pubsub", "work", new { i }, Ct);
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (replicaA.Received.Count + replicaB.Received.Count < 20)
        {
            await Task.Delay(20, timeout.Token);
        }

        await Task.Delay(200, Ct);
        (replicaA.Received.Count + replicaB.Received.Count).ShouldBe(20);
    }

    [Fact]
    public async Task Without_a_network_in_memory_pubsub_stays_inside_one_sidecar_as_with_daprd()
    {
        using var resources = new ResourceFolder().WithComponent("pubsub", "pubsub.in-memory");
        await using var subscriber = await SubscriberApp.StartAsync((web, a) =>
            web.MapPost("/posted", async (HttpContext c) =>
            {
                await a.RecordAsync(c);
                return Results.Ok();
            }).WithTopic("pubsub", "isolated"));
        await using var subscriberSidecar = await LocalDaprSidecar.StartAsync(new SidecarOptions { AppId = "isolated-sub", AppPort = subscriber.Port, ResourcesPaths = [resources.Path] }, Ct);
        await using var publisher = await LocalDaprSidecar.StartAsync(new SidecarOptions { AppId = "isolated-pub", ResourcesPaths = [resources.Path] }, Ct);
        using var client = Clients.For(publisher);

        await client.PublishEventAsync("pubsub", "isolated", new { n = 1 }, Ct);
        await Task.Delay(300, Ct);

        subscriber.Received.ShouldBeEmpty();
    }
}
