using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace LedgerX.LocalDapr.PubSub;

/// <summary>
/// <c>pubsub.in-memory</c>: like daprd's, messages live only inside this sidecar and are lost on restart.
/// Each subscription has a bounded queue, so a slow app pushes back on publishers instead of growing memory.
/// A handler error drops the message (components-contrib's in-memory bus does not redeliver).
/// </summary>
public sealed class InMemoryBroker : IPubSubBroker
{
    public const int QueueCapacity = 10_000;
    public const int MaxConcurrentDeliveries = 16;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, List<Channel<BrokerMessage>>> _subscribers = new(StringComparer.Ordinal);
    private readonly ILogger _logger;

    public InMemoryBroker(ILogger logger) => _logger = logger;

    public async Task PublishAsync(BrokerMessage message, CancellationToken cancellationToken)
    {
        List<Channel<BrokerMessage>> targets;
        lock (_gate)
        {
            targets = _subscribers.TryGetValue(message.Topic, out var list) ? [.. list] : [];
        }

        foreach (var channel in targets)
        {
            await channel.Writer.WriteAsync(message, cancellationToken);
        }
    }

    public Task SubscribeAsync(string topic, string consumerGroup, BrokerHandler handler, CancellationToken stoppingToken)
    {
        var channel = Channel.CreateBounded<BrokerMessage>(new BoundedChannelOptions(QueueCapacity) { SingleReader = true });
        lock (_gate)
        {
            if (!_subscribers.TryGetValue(topic, out var list))
            {
                _subscribers[topic] = list = [];
            }

            list.Add(channel);
        }

        _ = Task.Run(() => PumpAsync(topic, channel, handler, stoppingToken), CancellationToken.None);
        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            foreach (var channel in _subscribers.Values.SelectMany(l => l))
            {
                channel.Writer.TryComplete();
            }

            _subscribers.Clear();
        }

        return ValueTask.CompletedTask;
    }

    private async Task PumpAsync(string topic, Channel<BrokerMessage> channel, BrokerHandler handler, CancellationToken stoppingToken)
    {
        using var slots = new SemaphoreSlim(MaxConcurrentDeliveries);
        var inFlight = new List<Task>();
        try
        {
            await foreach (var message in channel.Reader.ReadAllAsync(stoppingToken))
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
                if (_subscribers.TryGetValue(topic, out var list))
                {
                    list.Remove(channel);
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
}
