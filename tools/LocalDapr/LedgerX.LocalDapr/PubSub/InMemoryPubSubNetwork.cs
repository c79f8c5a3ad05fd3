using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace LedgerX.LocalDapr.PubSub;

/// <summary>
/// Lets several in-process sidecars share their <c>pubsub.in-memory</c> components by name, so a test can run a
/// publisher and its consumers under separate sidecars without a broker. daprd's in-memory pub/sub never crosses
/// sidecars; this is an opt-in test convenience (<see cref="Hosting.SidecarOptions.InMemoryPubSubNetwork"/>).
/// Each subscribing app id gets its own copy of every message (one consumer group per app id); sidecars with the
/// same app id compete for it, like replicas.
/// </summary>
public sealed class InMemoryPubSubNetwork : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, InMemoryBroker> _brokers = new(StringComparer.Ordinal);

    internal InMemoryBroker GetOrCreate(string componentName, ILogger logger) =>
        _brokers.GetOrAdd(componentName, _ => new InMemoryBroker(logger));

    public async ValueTask DisposeAsync()
    {
        foreach (var broker in _brokers.Values)
        {
            await broker.DisposeAsync();
        }

        _brokers.Clear();
    }
}
