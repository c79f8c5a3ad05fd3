using LedgerX.LocalDapr.Hosting;
using LedgerX.LocalDapr.PubSub;
using LedgerX.LocalDapr.Resources;
using LedgerX.LocalDapr.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace LedgerX.LocalDapr.Tests.PubSub;

/// <summary>daprd expands {uuid}, {podName}, {namespace} and {appID} in component metadata (pkg/runtime/meta/meta.go);
/// a pub/sub whose consumerID is "{uuid}" is a broadcast: each replica is its own consumer group.</summary>
public sealed class ConsumerIdTemplateTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void Placeholders_expand_as_daprd_expands_them()
    {
        var meta = new Dictionary<string, string>
        {
            ["a"] = "{appID}-x",
            ["b"] = "{namespace}",
            ["c"] = "{podName}/{podName}",
            ["d"] = "{uuid}|{uuid}",
            ["e"] = "plain",
        };

        ComponentMetadataTemplates.Expand(meta, "notification-service", "prod", "pod-7", "live-pubsub", "live-pubsub.yaml");

        meta["a"].ShouldBe("notification-service-x");
        meta["b"].ShouldBe("prod.notification-service");
        meta["c"].ShouldBe("pod-7/pod-7");
        var uuids = meta["d"].Split('|');
        uuids.Length.ShouldBe(2);
        uuids.All(u => Guid.TryParse(u, out _)).ShouldBeTrue();
        uuids[0].ShouldNotBe(uuids[1]);
        meta["e"].ShouldBe("plain");
    }

    [Fact]
    public void PodName_without_POD_NAME_is_an_error_naming_the_file_and_field()
    {
        var meta = new Dictionary<string, string> { ["consumerID"] = "{podName}" };

        var error = Should.Throw<ResourceException>(() =>
            ComponentMetadataTemplates.Expand(meta, "app", "default", null, "live-pubsub", "live-pubsub.yaml"));

        error.Message.ShouldContain("live-pubsub.yaml");
        error.Message.ShouldContain("consumerID");
        error.Message.ShouldContain("POD_NAME");
    }

    [Fact]
    public async Task Replicas_with_a_uuid_consumer_id_each_receive_every_message()
    {
        using var resources = new ResourceFolder().WithComponent("live", "pubsub.in-memory", ("consumerID", "{uuid}"));
        await using var network = new InMemoryPubSubNetwork();
        await using var replicaA = await SubscriberApp.StartAsync((web, a) =>
            web.MapPost("/feed", async (HttpContext c) =>
            {
                await a.RecordAsync(c);
                return Results.Ok();
            }).WithTopic("live", "feed"));
        await using var replicaB = await SubscriberApp.StartAsync((web, a) =>
            web.MapPost("/feed", async (HttpContext c) =>
            {
                await a.RecordAsync(c);
                return Results.Ok();
            }).WithTopic("live", "feed"));
        await using var sidecarA = await LocalDaprSidecar.StartAsync(new SidecarOptions { AppId = "hub", AppPort = replicaA.Port, ResourcesPaths = [resources.Path], InMemoryPubSubNetwork = network }, Ct);
        await using var sidecarB = await LocalDaprSidecar.StartAsync(new SidecarOptions { AppId = "hub", AppPort = replicaB.Port, ResourcesPaths = [resources.Path], InMemoryPubSubNetwork = network }, Ct);
        using var client = Clients.For(sidecarA);

        for (int i = 0; i < 5; i++)
        {
            await client.PublishEventAsync("live", "feed", new { i }, Ct);
        }

        (await replicaA.WaitForAsync(r => r.Path == "/feed", 5)).Count.ShouldBe(5);
        (await replicaB.WaitForAsync(r => r.Path == "/feed", 5)).Count.ShouldBe(5);
    }
}
