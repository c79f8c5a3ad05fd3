using Dapr;
using LedgerX.LocalDapr.Hosting;
using LedgerX.LocalDapr.PubSub;
using LedgerX.LocalDapr.Tests.Infrastructure;
using LedgerX.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace LedgerX.LocalDapr.Tests.PubSub;

/// <summary>pubsub.redis on a real Redis: consumer group per app id, at-least-once across a sidecar restart.</summary>
public sealed class RedisStreamsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string RedisPubSub() => $"""
        apiVersion: dapr.io/v1alpha1
        kind: Component
        metadata:
          name: pubsub
        spec:
          type: pubsub.redis
          version: v1
          metadata:
          - name: redisHost
            value: "{TestRedis.GetConnectionString()}"
          - name: processingTimeout
            value: "1s"
          - name: redeliverInterval
            value: "200ms"
        """;

    [Fact]
    public async Task Published_event_is_delivered_through_a_redis_stream()
    {
        string topic = TestRedis.UniquePrefix("orders");
        await using var env = await PubSubEnvironment.StartAsync(
            (web, app) => web.MapPost("/orders", async (HttpContext c) =>
            {
                await app.RecordAsync(c);
                return Results.Ok();
            }).WithTopic("pubsub", topic),
            pubsubYaml: RedisPubSub(),
            appId: TestRedis.UniquePrefix("redis-sub"));

        await env.Client.PublishEventAsync("pubsub", topic, new { n = 42 }, new Dictionary<string, string> { ["cloudevent.id"] = "r-1" }, Ct);

        (await env.App.WaitForAsync(r => r.Path == "/orders")).Single().Body.ShouldContain("\"n\":42");
        (await env.Sidecar.PubSub.WaitForDeliveryAsync(d => d.CloudEventId == "r-1", TimeSpan.FromSeconds(5), Ct)).Outcome.ShouldBe(DeliveryOutcome.Success);
    }

    [Fact]
    public async Task A_stream_that_disappears_under_a_running_subscriber_is_recreated()
    {
        string topic = TestRedis.UniquePrefix("vanishing");
        await using var env = await PubSubEnvironment.StartAsync(
            (web, app) => web.MapPost("/vanishing", async (HttpContext c) =>
            {
                await app.RecordAsync(c);
                return Results.Ok();
            }).WithTopic("pubsub", topic),
            pubsubYaml: RedisPubSub(),
            appId: TestRedis.UniquePrefix("redis-vanish"));

        // What a Redis restarted without persistence looks like to the subscriber: stream and group gone.
        await using (var redis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(TestRedis.GetConnectionString()))
        {
            await redis.GetDatabase().KeyDeleteAsync(topic);
        }

        await Task.Delay(300, Ct);
        await env.Client.PublishEventAsync("pubsub", topic, new { after = "restart" }, Ct);

        (await env.App.WaitForAsync(r => r.Path == "/vanishing", timeout: TimeSpan.FromSeconds(10))).Single().Body.ShouldContain("restart");
    }

    [Fact]
    public async Task A_message_in_flight_when_the_sidecar_stops_is_redelivered_by_the_next_sidecar()
    {
        string topic = TestRedis.UniquePrefix("payments");
        string appId = TestRedis.UniquePrefix("redis-restart");
        using var resources = new ResourceFolder().With("pubsub.yaml", RedisPubSub());

        var firstDeliveryStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var slowApp = await SubscriberApp.StartAsync((web, app) =>
            web.MapPost("/payments", async (HttpContext c) =>
            {
                await app.RecordAsync(c);
                firstDeliveryStarted.TrySetResult();
                await Task.Delay(Timeout.Infinite, c.RequestAborted);
                return Results.Ok();
            }).WithTopic("pubsub", topic));
        var first = await LocalDaprSidecar.StartAsync(new SidecarOptions { AppId = appId, AppPort = slowApp.Port, ResourcesPaths = [resources.Path] }, Ct);
        using (var client = Clients.For(first))
        {
            await client.PublishEventAsync("pubsub", topic, new { amount = 10 }, new Dictionary<string, string> { ["cloudevent.id"] = "pay-restart" }, Ct);
        }

        await firstDeliveryStarted.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        await first.DisposeAsync();

        await using var healthyApp = await SubscriberApp.StartAsync((web, app) =>
            web.MapPost("/payments", async (HttpContext c) =>
            {
                await app.RecordAsync(c);
                return Results.Ok();
            }).WithTopic("pubsub", topic));
        await using var second = await LocalDaprSidecar.StartAsync(new SidecarOptions { AppId = appId, AppPort = healthyApp.Port, ResourcesPaths = [resources.Path] }, Ct);

        (await healthyApp.WaitForAsync(r => r.Path == "/payments", timeout: TimeSpan.FromSeconds(10))).Single().Body.ShouldContain("\"amount\":10");
        (await second.PubSub.WaitForDeliveryAsync(d => d.CloudEventId == "pay-restart", TimeSpan.FromSeconds(5), Ct)).Outcome.ShouldBe(DeliveryOutcome.Success);
    }

    [Fact]
    public async Task Events_published_while_the_subscriber_is_down_are_delivered_when_it_starts()
    {
        string topic = TestRedis.UniquePrefix("offline");
        string appId = TestRedis.UniquePrefix("redis-offline");
        using var resources = new ResourceFolder().With("pubsub.yaml", RedisPubSub());

        // First start creates the consumer group, as a deployed subscriber would have.
        await using (var app = await SubscriberApp.StartAsync((web, a) => web.MapPost("/offline", () => Results.Ok()).WithTopic("pubsub", topic)))
        await using (await LocalDaprSidecar.StartAsync(new SidecarOptions { AppId = appId, AppPort = app.Port, ResourcesPaths = [resources.Path] }, Ct))
        {
        }

        await using (var publisher = await LocalDaprSidecar.StartAsync(new SidecarOptions { AppId = TestRedis.UniquePrefix("publisher"), ResourcesPaths = [resources.Path] }, Ct))
        using (var client = Clients.For(publisher))
        {
            await client.PublishEventAsync("pubsub", topic, new { late = true }, Ct);
        }

        await using var subscriber = await SubscriberApp.StartAsync((web, a) =>
            web.MapPost("/offline", async (HttpContext c) =>
            {
                await a.RecordAsync(c);
                return Results.Ok();
            }).WithTopic("pubsub", topic));
        await using var sidecar = await LocalDaprSidecar.StartAsync(new SidecarOptions { AppId = appId, AppPort = subscriber.Port, ResourcesPaths = [resources.Path] }, Ct);

        (await subscriber.WaitForAsync(r => r.Path == "/offline")).Single().Body.ShouldContain("\"late\":true");
    }

    [Fact]
    public async Task A_message_that_cannot_be_dead_lettered_stays_pending_and_is_dead_lettered_on_redelivery()
    {
        string topic = TestRedis.UniquePrefix("dl-source");
        string deadLetter = TestRedis.UniquePrefix("dl-target");
        await using var redis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(TestRedis.GetConnectionString());
        var db = redis.GetDatabase();
        // A plain string under the dead-letter stream's key makes XADD fail with WRONGTYPE: the dead-letter publish throws.
        await db.StringSetAsync(deadLetter, "not a stream");

        await using var env = await PubSubEnvironment.StartAsync(
            (web, app) => web.MapPost("/dl-source", async (HttpContext c) =>
            {
                await app.RecordAsync(c);
                return Results.Json(new { status = "DROP" });
            }).WithTopic(new TopicOptions { PubsubName = "pubsub", Name = topic, DeadLetterTopic = deadLetter }),
            pubsubYaml: RedisPubSub(),
            appId: TestRedis.UniquePrefix("redis-deadletter"));

        await env.Client.PublishEventAsync("pubsub", topic, new { n = 7 }, new Dictionary<string, string> { ["cloudevent.id"] = "dl-1" }, Ct);
        (await env.Sidecar.PubSub.WaitForDeliveryAsync(d => d.CloudEventId == "dl-1", TimeSpan.FromSeconds(10), Ct)).Outcome.ShouldBe(DeliveryOutcome.Failed);

        await db.KeyDeleteAsync(deadLetter);
        // Redelivered after processingTimeout (1 s): dropped again by the app, and this time dead-lettered.
        (await env.Sidecar.PubSub.WaitForDeliveryAsync(d => d.CloudEventId == "dl-1" && d.Outcome == DeliveryOutcome.DeadLettered, TimeSpan.FromSeconds(15), Ct)).Attempts.ShouldBe(1);
        (await db.StreamLengthAsync(deadLetter)).ShouldBe(1);
        (await db.StreamPendingAsync(topic, env.Sidecar.AppId)).PendingMessageCount.ShouldBe(0);
    }
}
