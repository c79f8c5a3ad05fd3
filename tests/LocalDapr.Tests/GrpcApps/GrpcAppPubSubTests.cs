using System.Text.Json.Nodes;
using Dapr.AppCallback.Autogen.Grpc.v1;
using LedgerX.LocalDapr.Hosting;
using LedgerX.LocalDapr.PubSub;
using LedgerX.LocalDapr.Tests.Infrastructure;
using LedgerX.LocalDapr.Tests.PubSub;
using Status = Dapr.AppCallback.Autogen.Grpc.v1.TopicEventResponse.Types.TopicEventResponseStatus;

namespace LedgerX.LocalDapr.Tests.GrpcApps;

/// <summary>
/// Pub/sub and input bindings for an <c>appProtocol: grpc</c> app: <c>ListTopicSubscriptions</c> at start,
/// <c>OnTopicEvent</c> per message with SUCCESS/RETRY/DROP, <c>ListInputBindings</c> + <c>OnBindingEvent</c>.
/// </summary>
public sealed class GrpcAppPubSubTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Subscriptions_come_from_ListTopicSubscriptions_and_events_carry_the_cloud_event_fields()
    {
        await using var env = await StartAsync(b => b.Subscriptions.Add(new TopicSubscription
        {
            PubsubName = "pubsub",
            Topic = "orders",
            Routes = new TopicRoutes
            {
                Rules = { new TopicRule { Match = "event.type == \"big\"", Path = "orders/big" } },
                Default = "orders/default",
            },
        }));
        var subscription = env.Sidecar.Runtime.PubSub.Subscriptions.Single();
        subscription.Resource.Declarative.ShouldBeFalse();

        await env.Client.PublishEventAsync("pubsub", "orders", new { amount = 5 }, new Dictionary<string, string> { ["cloudevent.id"] = "o-1", ["cloudevent.type"] = "big", ["tenant"] = "t1" }, Ct);
        await env.Client.PublishEventAsync("pubsub", "orders", new { amount = 1 }, new Dictionary<string, string> { ["cloudevent.id"] = "o-2" }, Ct);

        var big = await GrpcCallbackApp.WaitForAsync(env.App.TopicEvents, e => e.Request.Id == "o-1");
        big.Request.Path.ShouldBe("orders/big");
        big.Request.Type.ShouldBe("big");
        big.Request.Topic.ShouldBe("orders");
        big.Request.PubsubName.ShouldBe("pubsub");
        big.Request.SpecVersion.ShouldBe("1.0");
        big.Request.DataContentType.ShouldBe("application/json");
        JsonNode.Parse(big.Request.Data.ToStringUtf8())!["amount"]!.GetValue<int>().ShouldBe(5);
        // Every other CloudEvent attribute travels in extensions, as daprd's ExtractCloudEventExtensions puts it.
        big.Request.Extensions.Fields["topic"].StringValue.ShouldBe("orders");
        big.Request.Extensions.Fields.ContainsKey("traceparent").ShouldBeTrue();
        big.Request.Extensions.Fields.ContainsKey("id").ShouldBeFalse();
        big.Metadata["tenant"].ShouldBe("t1");
        (await GrpcCallbackApp.WaitForAsync(env.App.TopicEvents, e => e.Request.Id == "o-2")).Request.Path.ShouldBe("orders/default");
        (await env.Sidecar.PubSub.WaitForDeliveryAsync(d => d.CloudEventId == "o-2", TimeSpan.FromSeconds(5), Ct)).Outcome.ShouldBe(DeliveryOutcome.Success);
    }

    [Fact]
    public async Task Retry_is_redelivered_under_the_inbound_policy_and_drop_goes_to_the_dead_letter_topic()
    {
        int calls = 0;
        await using var env = await StartAsync(
            b =>
            {
                b.Subscriptions.Add(new TopicSubscription { PubsubName = "pubsub", Topic = "flaky" });
                b.Subscriptions.Add(new TopicSubscription { PubsubName = "pubsub", Topic = "payments", DeadLetterTopic = "payments-dlq" });
                b.Subscriptions.Add(new TopicSubscription { PubsubName = "pubsub", Topic = "payments-dlq" });
                b.OnTopicEvent = e => e.Topic switch
                {
                    "flaky" => Interlocked.Increment(ref calls) < 3 ? Status.Retry : Status.Success,
                    "payments" => Status.Drop,
                    _ => Status.Success,
                };
            },
            r => r.With("resiliency.yaml", ResiliencyYaml.InboundRetries(5)));

        await env.Client.PublishEventAsync("pubsub", "flaky", new { n = 1 }, Ct);
        await env.Client.PublishEventAsync("pubsub", "payments", new { amount = 7 }, new Dictionary<string, string> { ["cloudevent.id"] = "pay-1" }, Ct);

        var flaky = await env.Sidecar.PubSub.WaitForDeliveryAsync(d => d.Topic == "flaky", TimeSpan.FromSeconds(5), Ct);
        flaky.Outcome.ShouldBe(DeliveryOutcome.Success);
        flaky.Attempts.ShouldBe(3);
        (await env.Sidecar.PubSub.WaitForDeliveryAsync(d => d.Topic == "payments", TimeSpan.FromSeconds(5), Ct)).Outcome.ShouldBe(DeliveryOutcome.DeadLettered);
        var dead = await GrpcCallbackApp.WaitForAsync(env.App.TopicEvents, e => e.Request.Topic == "payments-dlq");
        dead.Request.Id.ShouldBe("pay-1");
        env.App.TopicEvents.Count(e => e.Request.Topic == "payments").ShouldBe(1);
    }

    [Fact]
    public async Task Unimplemented_OnTopicEvent_is_acknowledged_without_retry_or_dead_letter()
    {
        await using var env = await StartAsync(
            b => b.Subscriptions.Add(new TopicSubscription { PubsubName = "pubsub", Topic = "ignored", DeadLetterTopic = "ignored-dlq" }),
            r => r.With("resiliency.yaml", ResiliencyYaml.InboundRetries(5)));
        env.App.Behaviour.OnTopicEvent = _ => throw new Grpc.Core.RpcException(new Grpc.Core.Status(Grpc.Core.StatusCode.Unimplemented, "not here"));

        await env.Client.PublishEventAsync("pubsub", "ignored", new { n = 1 }, Ct);

        var record = await env.Sidecar.PubSub.WaitForDeliveryAsync(d => d.Topic == "ignored", TimeSpan.FromSeconds(5), Ct);
        record.Outcome.ShouldBe(DeliveryOutcome.Dropped);
        record.Attempts.ShouldBe(1);
        env.Sidecar.PubSub.Published.ShouldNotContain(p => p.Topic == "ignored-dlq");
    }

    [Fact]
    public async Task A_bulk_subscription_is_delivered_through_OnBulkTopicEvent_and_settled_per_entry()
    {
        await using var env = await StartAsync(b =>
        {
            b.Subscriptions.Add(new TopicSubscription
            {
                PubsubName = "pubsub",
                Topic = "batched",
                Routes = new TopicRoutes { Default = "batched" },
                BulkSubscribe = new BulkSubscribeConfig { Enabled = true, MaxMessagesCount = 3, MaxAwaitDurationMs = 5_000 },
            });
            b.OnBulkEntry = e => e.CloudEvent.Id == "b-2" ? Status.Drop : Status.Success;
        });

        foreach (string id in new[] { "b-1", "b-2", "b-3" })
        {
            await env.Client.PublishEventAsync("pubsub", "batched", new { id }, new Dictionary<string, string> { ["cloudevent.id"] = id }, Ct);
        }

        var batch = await GrpcCallbackApp.WaitForAsync(env.App.BulkEvents, _ => true);
        batch.Request.Path.ShouldBe("batched");
        batch.Request.Topic.ShouldBe("batched");
        batch.Request.Entries.Select(e => e.CloudEvent.Id).Order().ShouldBe(["b-1", "b-2", "b-3"]);
        var first = batch.Request.Entries.Single(e => e.CloudEvent.Id == "b-1");
        first.ContentType.ShouldBe("application/cloudevents+json");
        JsonNode.Parse(first.CloudEvent.Data.ToStringUtf8())!["id"]!.GetValue<string>().ShouldBe("b-1");
        (await env.Sidecar.PubSub.WaitForDeliveryAsync(d => d.CloudEventId == "b-2", TimeSpan.FromSeconds(5), Ct)).Outcome.ShouldBe(DeliveryOutcome.Dropped);
        (await env.Sidecar.PubSub.WaitForDeliveryAsync(d => d.CloudEventId == "b-3", TimeSpan.FromSeconds(5), Ct)).Outcome.ShouldBe(DeliveryOutcome.Success);
        env.App.TopicEvents.ShouldBeEmpty();
    }

    [Fact]
    public async Task Cron_fires_OnBindingEvent_only_for_bindings_the_app_lists()
    {
        await using var env = await StartAsync(
            b => b.InputBindings.Add("tick"),
            r => r.WithComponent("tick", "bindings.cron", ("schedule", "@every 200ms")).WithComponent("unlisted", "bindings.cron", ("schedule", "@every 200ms")));

        await GrpcCallbackApp.WaitForAsync(env.App.BindingEvents, e => e.Request.Name == "tick");
        await Task.Delay(500, Ct);
        env.App.BindingEvents.ShouldAllBe(e => e.Request.Name == "tick");
    }

    private static async Task<GrpcEnvironment> StartAsync(Action<GrpcCallbackBehaviour> configure, Action<ResourceFolder>? resources = null)
    {
        var folder = new ResourceFolder().WithComponent("pubsub", "pubsub.in-memory");
        resources?.Invoke(folder);
        var app = await GrpcCallbackApp.StartAsync(configure);
        var sidecar = await LocalDaprSidecar.StartAsync(new SidecarOptions { AppId = "grpc-sub-" + Guid.NewGuid().ToString("N")[..6], AppPort = app.Port, AppProtocol = AppProtocol.Grpc, ResourcesPaths = [folder.Path] }, Ct);
        return new GrpcEnvironment(folder, app, sidecar);
    }

    private sealed class GrpcEnvironment(ResourceFolder resources, GrpcCallbackApp app, LocalDaprSidecar sidecar) : IAsyncDisposable
    {
        public GrpcCallbackApp App { get; } = app;

        public LocalDaprSidecar Sidecar { get; } = sidecar;

        public global::Dapr.Client.DaprClient Client { get; } = Clients.For(sidecar);

        public async ValueTask DisposeAsync()
        {
            Client.Dispose();
            await Sidecar.DisposeAsync();
            await App.DisposeAsync();
            resources.Dispose();
        }
    }
}
