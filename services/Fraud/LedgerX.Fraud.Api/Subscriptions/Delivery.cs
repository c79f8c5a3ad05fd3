using System.Text.Json;
using LedgerX.Fraud.Api.Alerts;
using LedgerX.Fraud.Api.Infrastructure;

namespace LedgerX.Fraud.Api.Subscriptions;

/// <summary>What every subscription handler shares: reading the event, and answering the sidecar.</summary>
internal static class Delivery
{
    /// <summary>The sidecar's status words: SUCCESS acknowledges, RETRY redelivers under the resiliency policy, DROP
    /// sends the message to the subscription's dead-letter topic.</summary>
    public static IResult Success { get; } = TypedResults.Json(new { status = "SUCCESS" });
    public static IResult Drop { get; } = TypedResults.Json(new { status = "DROP" });

    /// <summary>Bodies are read by hand, not bound: a malformed payload must be answered with DROP (it will never get
    /// better), while a binding failure would be a 400 that the sidecar retries.</summary>
    public static async Task<T?> ReadAsync<T>(HttpRequest request, CancellationToken ct) where T : class
    {
        try
        {
            return await JsonSerializer.DeserializeAsync<T>(request.Body, AlertRecorder.Json, ct);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The CloudEvent id (forwarded as a header by UseCloudEvents); the ledger sets it to the payload's eventId,
    /// and when a sidecar does not forward it the payload's id is the same value.</summary>
    public static Guid EventId(HttpRequest request, Guid payloadEventId) =>
        Guid.TryParse(request.Headers["Cloudevent.id"].ToString(), out var id) ? id : payloadEventId;

    public static async Task<IResult> ConsumeAsync(
        HttpRequest request, string topic, Guid payloadEventId, IReadOnlyList<SourcedMovement> movements, AlertRecorder recorder,
        FraudMetrics metrics, ILogger logger, CancellationToken ct)
    {
        var eventId = EventId(request, payloadEventId);
        var outcome = await recorder.RecordAsync(eventId, topic, movements, ct);
        metrics.Consumed(topic, outcome == ConsumeOutcome.Duplicate ? "duplicate" : "processed");
        if (outcome == ConsumeOutcome.Duplicate)
        {
            logger.LogInformation("Event {EventId} on {Topic} was already processed; acknowledged again", eventId, topic);
        }
        return Success;
    }

    public static IResult Malformed(string topic, FraudMetrics metrics, ILogger logger)
    {
        metrics.Consumed(topic, "dropped");
        logger.LogWarning("Malformed {Topic} payload dropped to {DeadLetterTopic}", topic, Events.Topics.DeadLetters);
        return Drop;
    }
}
