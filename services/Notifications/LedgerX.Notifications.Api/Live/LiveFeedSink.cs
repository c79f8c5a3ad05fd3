using System.Text.Json;
using LedgerX.Notifications.Api.Intake;
using Microsoft.EntityFrameworkCore;

namespace LedgerX.Notifications.Api.Live;

/// <summary>
/// The live module's <see cref="IUserEventSink"/>: stores each user event as an item of its user's feed and, in the same
/// transaction, queues it for broadcast (<see cref="LiveFeedRelay"/>). Idempotent on (event id, user id): a redelivered
/// event inserts nothing and queues nothing.
/// <para>
/// Feed ids must grow per user in commit order, or a client resuming after id N could miss an item that got a smaller
/// id but committed later. An identity column alone does not promise that (ids are drawn at insert, transactions commit
/// in any order), so inserts for one user are serialised by a transaction-scoped advisory lock on the user; different
/// users never wait for each other. Under that lock each item also gets the user's next <see cref="FeedItemRow.Seq"/>
/// (1, 2, 3...), by which a connection sees at once that an item is missing, whatever order the broker delivers in.
/// </para>
/// </summary>
public sealed class LiveFeedSink(LiveDbContext db, LiveSignals signals, TimeProvider clock) : IUserEventSink
{
    public async Task AcceptAsync(UserEvent e, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(e);
        var item = LiveFeedItems.From(e);
        var payload = JsonSerializer.Serialize(item, LiveFeedItem.Json);
        var strategy = db.Database.CreateExecutionStrategy();
        var inserted = await strategy.ExecuteAsync(async () =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock(hashtextextended({e.UserId}, 7419))", ct);
            var ids = await db.Database.SqlQuery<long>($"""
                INSERT INTO user_feed (user_id, seq, event_id, kind, payload, occurred_at)
                VALUES ({e.UserId}, (SELECT coalesce(max(seq), 0) + 1 FROM user_feed WHERE user_id = {e.UserId}),
                        {e.EventId}, {item.Kind}, {payload}::jsonb, {e.OccurredAt})
                ON CONFLICT (event_id, user_id) DO NOTHING
                RETURNING id AS "Value"
                """).ToListAsync(ct);
            if (ids.Count == 1)
            {
                await db.Database.ExecuteSqlAsync(
                    $"INSERT INTO user_feed_outbox (feed_id, attempts, next_attempt_at) VALUES ({ids[0]}, 0, {clock.GetUtcNow()})", ct);
            }
            await transaction.CommitAsync(ct);
            return ids.Count == 1;
        });
        if (inserted)
        {
            signals.NotifyOutbox();
        }
    }
}

/// <summary>Mapping a user event to its feed item (pure).</summary>
public static class LiveFeedItems
{
    /// <summary>The stored form: no id yet (the row's identity is it). Without the event's secret data (a password reset
    /// or confirmation token travels only by e-mail to the address it was asked for, never to a session).</summary>
    public static LiveFeedItem From(UserEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return new LiveFeedItem(LiveFeedItem.Version, null, e.UserId, e.EventId, e.Kind, e.OccurredAt, e.AccountId,
            e.Amount is { } money ? new LiveAmount(money.Amount, money.Currency) : null, UserEventData.Public(e.Data));
    }

    /// <summary>A stored row as the item clients and the broadcast see.</summary>
    public static LiveFeedItem FromRow(FeedItemRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        var stored = JsonSerializer.Deserialize<LiveFeedItem>(row.Payload, LiveFeedItem.Json)
            ?? throw new InvalidOperationException($"Feed item {row.Id} has an empty payload.");
        return stored with { Id = row.Id, Seq = row.Seq };
    }
}

/// <summary>Wakes the relay right after a feed item commits on this replica, instead of at its next poll. Coalesces.</summary>
public sealed class LiveSignals
{
    private readonly SemaphoreSlim _outbox = new(0, 1);

    public void NotifyOutbox()
    {
        if (_outbox.CurrentCount == 0)
        {
            try { _outbox.Release(); } catch (SemaphoreFullException) { /* already signalled */ }
        }
    }

    public Task<bool> WaitForOutboxAsync(TimeSpan timeout, CancellationToken ct) => _outbox.WaitAsync(timeout, ct);
}
