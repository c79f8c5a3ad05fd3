using System.Text.Json;
using LedgerX.LocalDapr.Conformance.Tests.Harness;

namespace LedgerX.LocalDapr.Conformance.Tests.PubSub;

/// <summary>
/// Pub/sub as @dapr/dapr 3.18 sees it (js/apps/pubsub/app.js): the CloudEvent envelope daprd builds, CEL routing
/// rules, raw payloads, bulk publish and dead letters. Run once per backend (in-memory; Redis Streams).
/// </summary>
public abstract class PubSubConformance(PubSubAppFixture fixture)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private JsAppRun App => fixture.App;

    [Fact]
    public async Task A_published_object_arrives_in_daprs_cloudevent_envelope()
    {
        string id = NewId();
        await PublishAsync("orders", new { id, amount = 12 });

        var delivery = await WaitForDeliveryAsync("orders", d => DataId(d.GetProperty("envelope")) == id);
        var envelope = delivery.GetProperty("envelope");

        envelope.GetProperty("specversion").GetString().ShouldBe("1.0");
        envelope.GetProperty("source").GetString().ShouldBe(App.AppId);
        envelope.GetProperty("type").GetString().ShouldBe("com.dapr.event.sent");
        envelope.GetProperty("datacontenttype").GetString().ShouldBe("application/json");
        envelope.GetProperty("pubsubname").GetString().ShouldBe("pubsub");
        envelope.GetProperty("topic").GetString().ShouldBe("orders");
        envelope.GetProperty("time").GetString()!.ShouldMatch(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$");
        envelope.TryGetProperty("tracestate", out _).ShouldBeTrue(envelope.ToString());
        envelope.GetProperty("traceparent").GetString()!.ShouldStartWith("00-");
        Guid.TryParse(envelope.GetProperty("id").GetString(), out _).ShouldBeTrue();
        delivery.GetProperty("contentType").GetString()!.ShouldStartWith("application/cloudevents+json");
        delivery.GetProperty("pubsubname").GetString().ShouldBe("pubsub");
        (await HandlerDataAsync("orders", "orders")).ShouldContain(d => d.GetProperty("id").GetString() == id);
    }

    [Fact]
    public async Task Routing_rules_send_each_event_to_the_path_its_match_selects()
    {
        string big = NewId(), small = NewId();
        await PublishAsync("routed", new { id = big, size = "big" });
        await PublishAsync("routed", new { id = small, size = "small" });

        await WaitForDataAsync("routed", "routed-big", big);
        await WaitForDataAsync("routed", "routed-small", small);
        (await HandlerDataAsync("routed", "routed-big")).ShouldNotContain(d => d.GetProperty("id").GetString() == small);
    }

    [Fact]
    public async Task A_raw_payload_is_delivered_without_the_publishers_envelope()
    {
        string id = NewId();
        await PublishAsync("raw", new { id }, new Dictionary<string, string> { ["rawPayload"] = "true" });

        await WaitForDataAsync("raw", "raw", id);
        var delivery = await WaitForDeliveryAsync("raw", d => d.GetProperty("envelope").TryGetProperty("data_base64", out var b64)
            && System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(b64.GetString()!)).Contains(id, StringComparison.Ordinal));
        delivery.GetProperty("envelope").TryGetProperty("data", out _).ShouldBeFalse();
    }

    [Fact]
    public async Task Bulk_published_messages_are_each_delivered()
    {
        string first = NewId(), second = NewId();
        var result = await App.CallAsync("/control/publish-bulk", new { topic = "orders", messages = new object[] { new { id = first }, new { id = second } } }, Ct);

        result.GetProperty("failedMessages").GetArrayLength().ShouldBe(0);
        await WaitForDataAsync("orders", "orders", first);
        await WaitForDataAsync("orders", "orders", second);
    }

    [Fact]
    public async Task A_dropped_message_goes_to_the_dead_letter_topic()
    {
        string id = NewId();
        await PublishAsync("doomed", new { id });

        await WaitForDataAsync("doomed", "doomed", id);
        await WaitForDataAsync("doomed-dead", "doomed-dead", id);
    }

    private string NewId() => $"{fixture.Backend}-{Guid.NewGuid():N}";

    private static string? DataId(JsonElement envelope) =>
        envelope.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Object && data.TryGetProperty("id", out var id) ? id.GetString() : null;

    private async Task PublishAsync(string topic, object data, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var result = await App.CallAsync("/control/publish", new { topic, data, metadata }, Ct);
        result.GetProperty("error").ValueKind.ShouldBe(JsonValueKind.Null, result.ToString());
    }

    private async Task<List<JsonElement>> HandlerDataAsync(string topic, string handler) =>
        [.. (await App.CallAsync("/control/received", new { topic, handler }, Ct)).GetProperty("data").EnumerateArray()];

    private async Task WaitForDataAsync(string topic, string handler, string id)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (DateTime.UtcNow < deadline)
        {
            if ((await HandlerDataAsync(topic, handler)).Any(d => d.ValueKind == JsonValueKind.Object && d.TryGetProperty("id", out var v) && v.GetString() == id))
            {
                return;
            }

            await Task.Delay(100, Ct);
        }

        throw new TimeoutException($"handler {handler} of {topic} never got {id}:\n{App.Log}");
    }

    private async Task<JsonElement> WaitForDeliveryAsync(string topic, Func<JsonElement, bool> match)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (DateTime.UtcNow < deadline)
        {
            var deliveries = (await App.CallAsync("/control/received", new { topic }, Ct)).GetProperty("deliveries").EnumerateArray().ToList();
            if (deliveries.FirstOrDefault(match) is { ValueKind: JsonValueKind.Object } found)
            {
                return found;
            }

            await Task.Delay(100, Ct);
        }

        throw new TimeoutException($"no matching delivery on {topic}:\n{App.Log}");
    }
}

public sealed class PubSubConformanceInMemory(PubSubAppInMemory fixture) : PubSubConformance(fixture), IClassFixture<PubSubAppInMemory>;

public sealed class PubSubConformancePostgresRedis(PubSubAppPostgresRedis fixture) : PubSubConformance(fixture), IClassFixture<PubSubAppPostgresRedis>;
