using System.Text.Json;
using System.Text.Json.Nodes;
using Dapr.AspNetCore;
using LedgerX.LocalDapr.PubSub;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace LedgerX.LocalDapr.Tests.PubSub;

public sealed record Order(int N);

/// <summary>bulkSubscribe as a Dapr.AspNetCore app declares it ([BulkSubscribe] metadata on a WithTopic endpoint).</summary>
public sealed class BulkSubscribeTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Messages_arrive_in_batches_and_each_entry_is_settled_by_its_own_status()
    {
        int retriedOnce = 0;
        await using var env = await PubSubEnvironment.StartAsync(
            (web, app) => web.MapPost("/orders-bulk", async (HttpContext c) =>
            {
                var received = await app.RecordAsync(c);
                var message = JsonSerializer.Deserialize<BulkSubscribeMessage<BulkMessageModel<Order>>>(received.Body, JsonSerializerOptions.Web)!;
                var statuses = message.Entries.Select(e =>
                {
                    var status = e.Event.Data.N switch
                    {
                        3 => BulkSubscribeAppResponseStatus.DROP,
                        4 when Interlocked.Exchange(ref retriedOnce, 1) == 0 => BulkSubscribeAppResponseStatus.RETRY,
                        _ => BulkSubscribeAppResponseStatus.SUCCESS,
                    };
                    return new BulkSubscribeAppResponseEntry(e.EntryId, status);
                }).ToList();
                return Results.Json(new BulkSubscribeAppResponse(statuses));
            }).WithTopic("pubsub", "orders-bulk").WithMetadata(new BulkSubscribeAttribute("orders-bulk", 5, 3000)),
            r => r.With("resiliency.yaml", ResiliencyYaml.InboundRetries(3)));

        for (int n = 1; n <= 5; n++)
        {
            await env.Client.PublishEventAsync("pubsub", "orders-bulk", new Order(n), new Dictionary<string, string> { ["cloudevent.id"] = $"o-{n}" }, Ct);
        }

        for (int n = 1; n <= 5; n++)
        {
            await env.Sidecar.PubSub.WaitForDeliveryAsync(d => d.CloudEventId == $"o-{n}", TimeSpan.FromSeconds(10), Ct);
        }

        var deliveries = env.Sidecar.PubSub.Deliveries.ToDictionary(d => d.CloudEventId!);
        deliveries["o-3"].Outcome.ShouldBe(DeliveryOutcome.Dropped);
        deliveries["o-4"].Outcome.ShouldBe(DeliveryOutcome.Success);
        deliveries["o-4"].Attempts.ShouldBe(2);
        deliveries["o-1"].Outcome.ShouldBe(DeliveryOutcome.Success);

        var first = JsonNode.Parse(env.App.Received[0].Body)!;
        first["entries"]!.AsArray().Count.ShouldBe(5);
        first["topic"]!.GetValue<string>().ShouldBe("orders-bulk");
        first["pubsubname"]!.GetValue<string>().ShouldBe("pubsub");
        first["entries"]![0]!["contentType"]!.GetValue<string>().ShouldBe("application/cloudevents+json");
        env.App.Received.Count.ShouldBe(2);
        JsonNode.Parse(env.App.Received[1].Body)!["entries"]!.AsArray().Single()!["event"]!["id"]!.GetValue<string>().ShouldBe("o-4");
    }

    [Fact]
    public async Task A_partial_batch_is_sent_after_maxAwaitDurationMs()
    {
        await using var env = await PubSubEnvironment.StartAsync(
            (web, app) => web.MapPost("/slow-bulk", async (HttpContext c) =>
            {
                var received = await app.RecordAsync(c);
                var entries = JsonNode.Parse(received.Body)!["entries"]!.AsArray();
                return Results.Json(new { statuses = entries.Select(e => new { entryId = e!["entryId"]!.GetValue<string>(), status = "SUCCESS" }) });
            }).WithTopic("pubsub", "slow-bulk").WithMetadata(new BulkSubscribeAttribute("slow-bulk", 100, 1000)));

        // A wait of 1 s, not less: on a loaded machine the second publish must still land in the same partial batch.
        await env.Client.PublishEventAsync("pubsub", "slow-bulk", new Order(1), Ct);
        await env.Client.PublishEventAsync("pubsub", "slow-bulk", new Order(2), Ct);

        var received = (await env.App.WaitForAsync(r => r.Path == "/slow-bulk")).Single();
        JsonNode.Parse(received.Body)!["entries"]!.AsArray().Count.ShouldBe(2);
        (await env.Sidecar.PubSub.WaitForDeliveryAsync(d => d.Outcome == DeliveryOutcome.Success, TimeSpan.FromSeconds(5), Ct)).Attempts.ShouldBe(1);
    }
}
