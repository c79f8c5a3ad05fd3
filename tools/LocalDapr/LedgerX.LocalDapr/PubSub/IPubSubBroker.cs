namespace LedgerX.LocalDapr.PubSub;

/// <summary>A message as the broker stores it: the envelope bytes plus publish metadata.</summary>
public sealed record BrokerMessage(string Topic, byte[] Data, IReadOnlyDictionary<string, string> Metadata);

/// <summary>
/// Handles one message. Returning acknowledges it; throwing reports an error to the component (which may
/// redeliver or not, as its daprd counterpart does); cancellation of the token means the sidecar is stopping,
/// so the message must stay unacknowledged for the next sidecar (at-least-once across restarts).
/// </summary>
public delegate Task BrokerHandler(BrokerMessage message, CancellationToken cancellationToken);

/// <summary>A pub/sub backend: stores and fans out messages; knows nothing of CloudEvents or apps.</summary>
public interface IPubSubBroker : IAsyncDisposable
{
    Task PublishAsync(BrokerMessage message, CancellationToken cancellationToken);

    /// <summary>
    /// Starts consuming <paramref name="topic"/> as the given consumer group; runs until <paramref name="stoppingToken"/>.
    /// <paramref name="minConcurrency"/> raises the number of messages handled at once (a bulk subscription needs a
    /// whole batch in flight; its handlers complete only when the batch was delivered).
    /// </summary>
    Task SubscribeAsync(string topic, string consumerGroup, BrokerHandler handler, int minConcurrency, CancellationToken stoppingToken);
}
