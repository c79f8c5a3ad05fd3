using Dapr.Client;
using LedgerX.LocalDapr.Hosting;
using LedgerX.LocalDapr.PubSub;

namespace LedgerX.Testing;

/// <summary>
/// What every consumer must do with a message it can never process (issue 19's "poison message"): answer <c>DROP</c> on
/// the first delivery, so the sidecar puts it on the subscription's dead-letter topic at once instead of retrying it
/// through the resiliency policy's backoff while the topic waits. One helper for every consumer's test.
/// </summary>
public static class PoisonMessage
{
    /// <summary>Generous: a loaded 2-core machine, and a subscriber sidecar that may still be discovering routes.</summary>
    public static readonly TimeSpan DeliveryDeadline = TimeSpan.FromSeconds(30);

    /// <summary>Publishes <paramref name="payload"/> (JSON) on <paramref name="topic"/> with CloudEvent id
    /// <paramref name="eventId"/> and waits until <paramref name="subscriber"/> has settled it: dead-lettered after one
    /// delivery attempt.</summary>
    public static async Task<DeliveryRecord> ShouldBeDroppedAtOnceAsync(
        DaprClient publisher, LocalDaprSidecar subscriber, string pubsub, string topic, object payload, Guid eventId, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(publisher);
        ArgumentNullException.ThrowIfNull(subscriber);
        await publisher.PublishEventAsync(pubsub, topic, payload,
            new Dictionary<string, string> { ["cloudevent.id"] = eventId.ToString() }, ct);
        var delivery = await subscriber.PubSub.WaitForDeliveryAsync(
            d => d.CloudEventId == eventId.ToString() && d.Topic == topic, DeliveryDeadline, ct);
        if (delivery.Outcome != DeliveryOutcome.DeadLettered || delivery.Attempts != 1)
        {
            throw new InvalidOperationException(
                $"The poison message {eventId} on {topic} ended {delivery.Outcome} after {delivery.Attempts} attempt(s); expected DeadLettered after 1 (the consumer answers DROP).");
        }
        return delivery;
    }
}
