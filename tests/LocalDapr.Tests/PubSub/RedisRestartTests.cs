using System.Diagnostics;
using Dapr;
using LedgerX.LocalDapr.PubSub;
using LedgerX.LocalDapr.Tests.Infrastructure;
using LedgerX.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace LedgerX.LocalDapr.Tests.PubSub;

/// <summary>
/// Redis restarted under a running sidecar (issue 19's chaos, "restart Redis"): the sidecar reconnects by itself,
/// recreates the stream and consumer group a Redis without persistence lost, and delivers what is published afterwards;
/// what was acknowledged before is not delivered again.
/// </summary>
public sealed class RedisRestartTests
{
    private static readonly TimeSpan RecoveryDeadline = TimeSpan.FromSeconds(60);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string PubSubOn(PrivateRedis redis) => $"""
        apiVersion: dapr.io/v1alpha1
        kind: Component
        metadata:
          name: pubsub
        spec:
          type: pubsub.redis
          version: v1
          metadata:
          - name: redisHost
            value: "{redis.Address}"
          - name: processingTimeout
            value: "1s"
          - name: redeliverInterval
            value: "200ms"
        """;

    [Fact]
    public async Task After_a_Redis_restart_the_sidecar_reconnects_and_delivers_again_without_repeating_acknowledged_messages()
    {
        await using var redis = await PrivateRedis.StartAsync();
        string topic = TestRedis.UniquePrefix("restart");
        await using var env = await PubSubEnvironment.StartAsync(
            (web, app) => web.MapPost("/restart", async (HttpContext c) =>
            {
                await app.RecordAsync(c);
                return Results.Ok();
            }).WithTopic("pubsub", topic),
            pubsubYaml: PubSubOn(redis),
            appId: TestRedis.UniquePrefix("redis-restart-sub"));

        await env.Client.PublishEventAsync("pubsub", topic, new { phase = "before" }, new Dictionary<string, string> { ["cloudevent.id"] = "before-1" }, Ct);
        await env.App.WaitForAsync(r => r.Body.Contains("before", StringComparison.Ordinal), timeout: RecoveryDeadline);
        await env.Sidecar.PubSub.WaitForDeliveryAsync(d => d.CloudEventId == "before-1" && d.Outcome == DeliveryOutcome.Success, RecoveryDeadline, Ct);

        await redis.RestartAsync();

        // Publishing fails while the connection is re-established; a publisher (the outbox relay) retries.
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await env.Client.PublishEventAsync("pubsub", topic, new { phase = "after" }, new Dictionary<string, string> { ["cloudevent.id"] = "after-1" }, Ct);
                break;
            }
            catch (DaprException) when (deadline.Elapsed < RecoveryDeadline)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200), Ct);
            }
        }

        await env.App.WaitForAsync(r => r.Body.Contains("after", StringComparison.Ordinal), timeout: RecoveryDeadline);
        env.App.Received.Count(r => r.Body.Contains("before", StringComparison.Ordinal)).ShouldBe(1);
    }
}
