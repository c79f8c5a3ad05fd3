using System.Globalization;
using System.Text;
using System.Text.Json;
using Dapr.Client;
using LedgerX.Notifications.Api.Events;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace LedgerX.Notifications.Api.Live;

/// <summary>
/// Broadcasts stored feed items on <see cref="Topics.LiveFeed"/> from the outbox written with them: an item that did not
/// commit is never pushed, one that did is pushed at least once (connections drop what they have already sent).
/// One replica relays at a time (a transaction-scoped advisory lock), in id order, stopping at the first failure: a
/// user's items reach the hubs in the order of their ids, which is what lets a connection drop anything at or below
/// the last id it sent. Also deletes items older than the retention and spent tickets.
/// </summary>
public sealed partial class LiveFeedRelay(
    IServiceScopeFactory scopes, DaprClient dapr, LiveSignals signals, TimeProvider clock, IOptions<LiveOptions> options,
    ILogger<LiveFeedRelay> logger) : BackgroundService
{
    private const long RelayLockKey = 7_419_001;
    private static readonly TimeSpan CleanupEvery = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);
    private readonly LiveOptions _options = options.Value;
    private DateTimeOffset _nextCleanup = DateTimeOffset.MinValue;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var relayed = 0;
            try
            {
                relayed = await RelayOnceAsync(stoppingToken);
                await CleanupIfDueAsync(stoppingToken);
            }
            // Anything but this host stopping, a timeout\'s OperationCanceledException included (a stalled database or
            // sidecar): an escaped exception would end the loop for good and stop the host.
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                LogRelayFailed(logger, ex);
            }
            if (relayed < _options.PublishBatchSize)
            {
                await signals.WaitForOutboxAsync(TimeSpan.FromMilliseconds(_options.PollIntervalMs), stoppingToken);
            }
        }
    }

    /// <summary>One round; the number of items published (0 when another replica holds the relay lock).</summary>
    public async Task<int> RelayOnceAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LiveDbContext>();
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var locked = await db.Database.SqlQuery<bool>($"SELECT pg_try_advisory_xact_lock({RelayLockKey}) AS \"Value\"").SingleAsync(ct);
        if (!locked)
        {
            return 0;
        }
        var now = clock.GetUtcNow();
        var due = await db.Outbox.Where(o => o.NextAttemptAt <= now).OrderBy(o => o.FeedId).Take(_options.PublishBatchSize).ToListAsync(ct);
        var ids = due.Select(o => o.FeedId).ToList();
        var rows = await db.Feed.Where(f => ids.Contains(f.Id)).ToDictionaryAsync(f => f.Id, ct);
        var published = 0;
        foreach (var pending in due)
        {
            var item = LiveFeedItems.FromRow(rows[pending.FeedId]);
            try
            {
                await dapr.PublishByteEventAsync(Components.LivePubSub, Topics.LiveFeed,
                    JsonSerializer.SerializeToUtf8Bytes(item, LiveFeedItem.Json), "application/json",
                    new Dictionary<string, string>
                    {
                        ["cloudevent.id"] = string.Create(CultureInfo.InvariantCulture, $"live-{pending.FeedId}"),
                        ["cloudevent.type"] = Topics.LiveFeed,
                    }, ct);
                db.Outbox.Remove(pending);
                published++;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Stop here: publishing a user's later item before this one would let a connection skip this one.
                pending.Attempts++;
                var error = ex.GetBaseException().Message;
                pending.LastError = error[..Math.Min(error.Length, 2000)];
                pending.NextAttemptAt = now + Backoff(pending.Attempts);
                LogPublishFailed(logger, pending.FeedId, pending.Attempts, error);
                break;
            }
        }
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return published;
    }

    private async Task CleanupIfDueAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        if (now < _nextCleanup)
        {
            return;
        }
        _nextCleanup = now + CleanupEvery;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LiveDbContext>();
        var before = now - TimeSpan.FromDays(_options.RetentionDays);
        // Items still waiting in the outbox are kept (the cascade would drop them unpublished).
        await db.Feed.Where(f => f.OccurredAt < before && !db.Outbox.Any(o => o.FeedId == f.Id)).ExecuteDeleteAsync(ct);
        await db.Tickets.Where(t => t.ExpiresAt < now - TimeSpan.FromMinutes(5)).ExecuteDeleteAsync(ct);
    }

    private static TimeSpan Backoff(int attempts) =>
        TimeSpan.FromMilliseconds(Math.Min(MaxBackoff.TotalMilliseconds, 100 * Math.Pow(2, Math.Min(attempts, 20))));

    [LoggerMessage(Level = LogLevel.Error, Message = "Live feed relay round failed; retrying after the poll interval")]
    private static partial void LogRelayFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing live feed item {FeedId} failed on attempt {Attempt}: {Reason}")]
    private static partial void LogPublishFailed(ILogger logger, long feedId, int attempt, string reason);
}
