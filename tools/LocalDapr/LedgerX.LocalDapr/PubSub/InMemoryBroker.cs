using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace LedgerX.LocalDapr.PubSub;

/// <summary>
/// <c>pubsub.in-memory</c>: like daprd's, messages live only inside this sidecar and are lost on restart.
/// Each subscription has a bounded queue, so a slow app pushes back on publishers instead of growing memory.
/// A handler error drops the message (components-contrib's in-memory bus does not redeliver).
/// Each consumer group gets every message once; subscribers in the same group (replicas of one app id sharing an
/// <see cref="InMemoryPubSubNetwork"/>) compete for it.
/// </summary>
public sealed class InMemoryBroker : IPubSubBroker
{
    public const int QueueCapacity = 10_000;
    public const int MaxConcurrentDeliveries = 16;

    private readonly Lock _gate = new();
    /// <summary>topic → consumer group → the group's queue and how many pumps read it.</summary>
    private readonly Dictionary<string, Dictionary<string, GroupQueue>> _subscribers = new(StringComparer.Ordinal);
    private readonly ILogger _logger;

    public InMemoryBroker(ILogger logger) => _logger = logger;

    public async Task PublishAsync(BrokerMessage message, CancellationToken cancellationToken)
    {
        List<Channel<BrokerMessage>> targets;
        lock (_gate)
        {
            targets = _subscribers.TryGetValue(message.Topic, out var groups) ? groups.Values.Select(g => g.Channel).ToList() : [];
        }

        foreach (var channel in targets)
        {
            await channel.Writer.WriteAsync(message, cancellationToken);
        }
    }

    public Task SubscribeAsync(string topic, string consumerGroup, BrokerHandler handler, int minConcurrency, CancellationToken stoppingToken)
    {
        GroupQueue queue;
        lock (_gate)
        {
            if (!_subscribers.TryGetValue(topic, out var groups))
            {
                _subscribers[topic] = groups = new Dictionary<string, GroupQueue>(StringComparer.Ordinal);
            }

            if (!groups.TryGetValue(consumerGroup, out queue!))
            {
                groups[consumerGroup] = queue = new GroupQueue(Channel.CreateBounded<BrokerMessage>(new BoundedChannelOptions(QueueCapacity)));
            }

            queue.Readers++;
        }

        int concurrency = Math.Clamp(minConcurrency, MaxConcurrentDeliveries, 1_000);
        _ = Task.Run(() => PumpAsync(topic, consumerGroup, queue, handler, concurrency, stoppingToken), CancellationToken.None);
        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            foreach (var queue in _subscribers.Values.SelectMany(g => g.Values))
            {
                queue.Channel.Writer.TryComplete();
            }

            _subscribers.Clear();
        }

        return ValueTask.CompletedTask;
    }

    private async Task PumpAsync(string topic, string consumerGroup, GroupQueue queue, BrokerHandler handler, int concurrency, CancellationToken stoppingToken)
    {
        using var slots = new SemaphoreSlim(concurrency);
        var inFlight = new List<Task>();
        try
        {
            await foreach (var message in queue.Channel.Reader.ReadAllAsync(stoppingToken))
            {
                await slots.WaitAsync(stoppingToken);
                inFlight.RemoveAll(t => t.IsCompleted);
                inFlight.Add(DeliverAsync(message));
            }
        }
        catch (OperationCanceledException)
        {
            // Sidecar stopping: in-memory messages are lost, exactly as with daprd.
        }
        finally
        {
            lock (_gate)
            {
                // The last reader of a group takes its queue away; messages still queued for it are lost, as on restart.
                if (--queue.Readers == 0 && _subscribers.TryGetValue(topic, out var groups))
                {
                    groups.Remove(consumerGroup);
                }
            }
        }

        await Task.WhenAll(inFlight);

        async Task DeliverAsync(BrokerMessage message)
        {
            try
            {
                await handler(message, stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                _logger.LogWarning(ex, "in-memory pub/sub dropped a message on topic {Topic} after a delivery error", topic);
            }
            catch (OperationCanceledException)
            {
                // Stopping.
            }
            finally
            {
                slots.Release();
            }
        }
    }

    private sealed class GroupQueue(Channel<BrokerMessage> channel)
    {
        public Channel<BrokerMessage> Channel { get; } = channel;

        public int Readers { get; set; }
    }
}
