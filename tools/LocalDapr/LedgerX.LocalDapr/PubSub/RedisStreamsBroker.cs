using System.Text.Json;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace LedgerX.LocalDapr.PubSub;

/// <summary>Settings of <c>pubsub.redis</c> (components-contrib common/component/redis/settings.go defaults: processingTimeout 60 s, redeliverInterval 15 s).</summary>
public sealed record RedisStreamsSettings(
    string RedisHost,
    string? Password,
    int Database,
    int QueueDepth,
    int Concurrency,
    TimeSpan ProcessingTimeout,
    TimeSpan RedeliverInterval,
    long? MaxLenApprox);

/// <summary>
/// <c>pubsub.redis</c> on Redis Streams, as components-contrib does it: one stream per topic, a consumer group
/// (and consumer) named after the consumer id (= app id), XREADGROUP for new entries, XAUTOCLAIM of entries
/// pending longer than <c>processingTimeout</c> every <c>redeliverInterval</c>, XACK after handling.
/// Since components-contrib 1.17 an entry is also acknowledged after a handler error (pubsub/redis/redis.go); only an entry
/// whose handling was interrupted (sidecar stopped) stays pending and is reclaimed later, by this or the next sidecar.
/// </summary>
public sealed class RedisStreamsBroker : IPubSubBroker
{
    private const string DataField = "data";
    private const string MetadataField = "metadata";

    /// <summary>
    /// StackExchange.Redis multiplexes one connection and cannot XREADGROUP BLOCK, so an idle reader polls at this
    /// interval. Publishers through this sidecar also PUBLISH a wake-up on <see cref="WakeChannel"/>, so readers in
    /// local sidecars usually see a new entry at once; entries XADDed by others (e.g. real daprd) wait for the poll.
    /// </summary>
    private static readonly TimeSpan IdlePoll = TimeSpan.FromMilliseconds(100);

    private readonly ConnectionMultiplexer _redis;
    private readonly RedisStreamsSettings _settings;
    private readonly ILogger _logger;
    private readonly List<Task> _loops = [];

    private RedisStreamsBroker(ConnectionMultiplexer redis, RedisStreamsSettings settings, ILogger logger)
    {
        _redis = redis;
        _settings = settings;
        _logger = logger;
    }

    public static async Task<RedisStreamsBroker> ConnectAsync(RedisStreamsSettings settings, ILogger logger)
    {
        var options = ConfigurationOptions.Parse(settings.RedisHost);
        options.Password = string.IsNullOrEmpty(settings.Password) ? null : settings.Password;
        options.DefaultDatabase = settings.Database;
        options.AbortOnConnectFail = false;
        options.ConnectTimeout = 5000;
        var redis = await ConnectionMultiplexer.ConnectAsync(options);
        return new RedisStreamsBroker(redis, settings, logger);
    }

    public async Task PublishAsync(BrokerMessage message, CancellationToken cancellationToken)
    {
        var db = _redis.GetDatabase();
        NameValueEntry[] fields =
        [
            new(DataField, message.Data),
            new(MetadataField, JsonSerializer.Serialize(message.Metadata)),
        ];
        await db.StreamAddAsync(message.Topic, fields, maxLength: _settings.MaxLenApprox, useApproximateMaxLength: _settings.MaxLenApprox is not null);
        await _redis.GetSubscriber().PublishAsync(WakeChannel(message.Topic), "", CommandFlags.FireAndForget);
    }

    private static RedisChannel WakeChannel(string topic) => RedisChannel.Literal("localdapr:xadd:" + topic);

    public async Task SubscribeAsync(string topic, string consumerGroup, BrokerHandler handler, int minConcurrency, CancellationToken stoppingToken)
    {
        var db = _redis.GetDatabase();
        await EnsureGroupAsync(db, topic, consumerGroup);

        var slots = new SemaphoreSlim(Math.Clamp(Math.Max(_settings.Concurrency, minConcurrency), 1, 1_000));
        var consumer = new Consumer(this, db, topic, consumerGroup, handler, slots);
        await _redis.GetSubscriber().SubscribeAsync(WakeChannel(topic), (_, _) => consumer.Wake());
        lock (_loops)
        {
            _loops.Add(Task.Run(() => consumer.ReadNewAsync(stoppingToken), CancellationToken.None));
            if (_settings.RedeliverInterval > TimeSpan.Zero && _settings.ProcessingTimeout > TimeSpan.Zero)
            {
                _loops.Add(Task.Run(() => consumer.ReclaimAsync(stoppingToken), CancellationToken.None));
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        Task[] loops;
        lock (_loops)
        {
            loops = [.. _loops];
        }

        await Task.WhenAll(loops);
        await _redis.DisposeAsync();
    }

    /// <summary>From "0": entries published before the group existed are delivered too (as components-contrib does).</summary>
    private static async Task EnsureGroupAsync(IDatabase db, string topic, string consumerGroup)
    {
        try
        {
            await db.StreamCreateConsumerGroupAsync(topic, consumerGroup, "0-0", createStream: true);
        }
        catch (RedisServerException ex) when (ex.Message.Contains("BUSYGROUP", StringComparison.Ordinal))
        {
            // The group already exists: a restarted sidecar or another replica of the app.
        }
    }

    /// <summary>The stream or group vanished (Redis restarted without persistence, or the key was deleted).</summary>
    private static bool IsNoGroup(RedisException ex) => ex.Message.Contains("NOGROUP", StringComparison.Ordinal);

    private static BrokerMessage ToMessage(string topic, StreamEntry entry)
    {
        byte[] data = entry[DataField] is { IsNull: false } d ? (byte[])d! : [];
        var metadata = entry[MetadataField] is { IsNull: false } m
            ? JsonSerializer.Deserialize<Dictionary<string, string>>(m.ToString()) ?? []
            : [];
        return new BrokerMessage(topic, data, metadata);
    }

    private sealed class Consumer(RedisStreamsBroker owner, IDatabase db, string topic, string group, BrokerHandler handler, SemaphoreSlim slots)
    {
        private readonly HashSet<string> _inFlight = new(StringComparer.Ordinal);
        private readonly SemaphoreSlim _wake = new(0, 1);

        public void Wake()
        {
            try
            {
                _wake.Release();
            }
            catch (SemaphoreFullException)
            {
                // Already signalled; one wake-up covers any number of new entries.
            }
        }

        public async Task ReadNewAsync(CancellationToken stoppingToken)
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    var entries = await db.StreamReadGroupAsync(topic, group, group, ">", owner._settings.QueueDepth);
                    if (entries.Length == 0)
                    {
                        await _wake.WaitAsync(IdlePoll, stoppingToken);
                        continue;
                    }

                    foreach (var entry in entries)
                    {
                        await StartAsync(entry, stoppingToken);
                    }
                }
                catch (OperationCanceledException)
                {
                    break;
                }
                catch (RedisException ex) when (IsNoGroup(ex))
                {
                    owner._logger.LogWarning("redis stream {Topic} or its group {Group} disappeared; recreating it", topic, group);
                    await RecreateGroupAsync(stoppingToken);
                }
                catch (RedisException ex)
                {
                    owner._logger.LogWarning(ex, "redis pub/sub read on {Topic} failed; retrying", topic);
                    await Pause(stoppingToken);
                }
            }

            await DrainAsync();
        }

        public async Task ReclaimAsync(CancellationToken stoppingToken)
        {
            using var timer = new PeriodicTimer(owner._settings.RedeliverInterval);
            try
            {
                while (await timer.WaitForNextTickAsync(stoppingToken))
                {
                    try
                    {
                        var claimed = await db.StreamAutoClaimAsync(topic, group, group, (long)owner._settings.ProcessingTimeout.TotalMilliseconds, "0-0", owner._settings.QueueDepth);
                        foreach (var entry in claimed.ClaimedEntries.Where(e => !e.IsNull))
                        {
                            await StartAsync(entry, stoppingToken);
                        }
                    }
                    catch (RedisException ex) when (IsNoGroup(ex))
                    {
                        // The read loop recreates the group; nothing is pending in a new one.
                    }
                    catch (RedisException ex)
                    {
                        owner._logger.LogWarning(ex, "redis pub/sub reclaim on {Topic} failed; retrying", topic);
                    }
                }
            }
            catch (OperationCanceledException)
            {
                // Stopping.
            }
        }

        private async Task RecreateGroupAsync(CancellationToken stoppingToken)
        {
            try
            {
                await EnsureGroupAsync(db, topic, group);
            }
            catch (RedisException ex)
            {
                owner._logger.LogWarning(ex, "could not recreate group {Group} on {Topic}; retrying", group, topic);
                await Pause(stoppingToken);
            }
        }

        private static async Task Pause(CancellationToken stoppingToken)
        {
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
            }
            catch (OperationCanceledException)
            {
                // Stopping.
            }
        }

        private async Task StartAsync(StreamEntry entry, CancellationToken stoppingToken)
        {
            string id = entry.Id.ToString();
            lock (_inFlight)
            {
                // A reclaim can race with a slow first delivery; one delivery per entry at a time.
                if (!_inFlight.Add(id))
                {
                    return;
                }
            }

            await slots.WaitAsync(stoppingToken);
            _ = Task.Run(() => HandleAsync(entry, id, stoppingToken), CancellationToken.None);
        }

        private async Task HandleAsync(StreamEntry entry, string id, CancellationToken stoppingToken)
        {
            try
            {
                await handler(ToMessage(topic, entry), stoppingToken);
                await db.StreamAcknowledgeAsync(topic, group, entry.Id);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                // Left pending on purpose: reclaimed after processingTimeout (at-least-once across restarts).
            }
            catch (DeadLetterPublishException ex)
            {
                // The app gave the message up but the dead-letter topic did not take it: acknowledging would lose
                // it, so it stays pending and is reclaimed (and handled again) after processingTimeout.
                owner._logger.LogWarning(ex, "redis pub/sub message {Id} on {Topic} could not be dead-lettered; left pending for redelivery", id, topic);
            }
            catch (Exception ex)
            {
                owner._logger.LogWarning(ex, "redis pub/sub message {Id} on {Topic} failed; acknowledged as components-contrib >= 1.17 does", id, topic);
                try
                {
                    await db.StreamAcknowledgeAsync(topic, group, entry.Id);
                }
                catch (RedisException ackError)
                {
                    owner._logger.LogWarning(ackError, "could not acknowledge {Id}; it will be reclaimed", id);
                }
            }
            finally
            {
                lock (_inFlight)
                {
                    _inFlight.Remove(id);
                }

                slots.Release();
            }
        }

        private async Task DrainAsync()
        {
            for (int i = 0; i < 100; i++)
            {
                lock (_inFlight)
                {
                    if (_inFlight.Count == 0)
                    {
                        return;
                    }
                }

                await Task.Delay(20, CancellationToken.None);
            }
        }
    }
}
