using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace LedgerX.Notifications.Api.Live;

/// <summary>How a session writes to its client: WebSocket text frames or Server-Sent Events.</summary>
public interface ILiveTransport
{
    /// <summary>Name in metrics.</summary>
    string Name { get; }

    Task SendAsync(LiveFrame frame, CancellationToken ct);

    /// <summary>Keeps an idle connection open through proxies (SSE <c>: ping</c>; WebSockets have their own keep-alive).</summary>
    Task HeartbeatAsync(CancellationToken ct);

    /// <summary>Ends the stream, saying why when the server ended it (<see cref="LiveCloseReasons"/>), or null when the client left.</summary>
    Task CloseAsync(string? reason, CancellationToken ct);

    /// <summary>Completes when the client has gone away (or asked to close).</summary>
    CancellationToken ClientGone { get; }
}

/// <summary>
/// One live session, whatever the transport, on a connection already registered with the hub (by the endpoint, which
/// also unregisters it): then the replay of stored items after the
/// client's last id (bounded), then live items as the hub hands them over, with the <see cref="ResumeCursor"/> dropping
/// what the replay already sent, so there is neither a duplicate nor a gap at the switch. A <c>live.ready</c> frame
/// (no id) marks the switch. Ends when the client leaves or the server closes it (slow consumer, token expiry, shutdown).
/// </summary>
public sealed partial class LiveSession(LiveDbContext db, TimeProvider clock, IOptions<LiveOptions> options, LiveMetrics metrics, ILogger<LiveSession> logger)
{
    public const string Ready = "live.ready";

    /// <summary>A client stuck in a write this long after the server closed it is cut off without a goodbye.</summary>
    private static readonly TimeSpan StuckWriteGrace = TimeSpan.FromSeconds(10);

    private readonly LiveOptions _options = options.Value;

    public async Task RunAsync(LiveConnection connection, LiveCaller caller, long? lastEventId, ILiveTransport transport, HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(transport);
        ArgumentNullException.ThrowIfNull(http);
        var ct = http.RequestAborted;
        using var expiry = ScheduleExpiry(connection, caller.ExpiresAt);
        // Cancelled when the session ends, so the stuck-write watchdog never touches a finished request.
        using var ended = CancellationTokenSource.CreateLinkedTokenSource(ct);
        using var stuck = connection.Closed.Register(() => _ = AbortIfStuckAsync(http, ended.Token));
        try
        {
            var cursor = await ReplayAsync(caller.UserId, lastEventId, transport, ct);
            await transport.SendAsync(new LiveFrame(null, Ready, clock.GetUtcNow(), null, null,
                new Dictionary<string, string> { ["lastEventId"] = cursor.LastSentId.ToString(CultureInfo.InvariantCulture) }, null), ct);
            await PumpAsync(connection, cursor, transport, ct);
            await transport.CloseAsync(connection.CloseReason, ct);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or System.Net.WebSockets.WebSocketException)
        {
            // The client went away mid-write: nothing to tell it.
            LogClientGone(logger, caller.UserId, ex.GetType().Name);
        }
        finally
        {
            await ended.CancelAsync();
        }
    }

    private async Task<ResumeCursor> ReplayAsync(string userId, long? lastEventId, ILiveTransport transport, CancellationToken ct)
    {
        var mine = db.Feed.AsNoTracking().Where(f => f.UserId == userId);
        if (lastEventId is not { } after)
        {
            // Live from now: everything stored so far counts as sent.
            var newest = await mine.OrderByDescending(f => f.Seq).Select(f => new { f.Id, f.Seq }).FirstOrDefaultAsync(ct);
            return new ResumeCursor(newest?.Id ?? 0, newest?.Seq ?? 0, clock);
        }
        // Where the client was: the last of its items at or before the id it names (ids and sequence grow together).
        var seen = await mine.Where(f => f.Id <= after).MaxAsync(f => (long?)f.Seq, ct) ?? 0;
        var cursor = new ResumeCursor(after, seen, clock);
        var missed = await mine.Where(f => f.Seq > seen).OrderByDescending(f => f.Seq).Take(_options.ReplayLimit + 1).ToListAsync(ct);
        if (missed.Count > _options.ReplayLimit)
        {
            missed.RemoveAt(missed.Count - 1);
            await transport.SendAsync(new LiveFrame(null, LiveFrame.ReplayTruncated, clock.GetUtcNow(), null, null,
                new Dictionary<string, string> { ["replayLimit"] = _options.ReplayLimit.ToString(CultureInfo.InvariantCulture) }, null), ct);
            // The oldest still sent is the new starting point: the ones before it are the history API's.
            var oldest = missed[^1];
            cursor = new ResumeCursor(oldest.Id - 1, oldest.Seq - 1, clock);
        }
        foreach (var row in Enumerable.Reverse(missed))
        {
            await SendAsync(LiveFeedItems.FromRow(row), cursor, transport, ct);
        }
        return cursor;
    }

    private async Task PumpAsync(LiveConnection connection, ResumeCursor cursor, ILiveTransport transport, CancellationToken ct)
    {
        var reader = connection.Items;
        while (connection.CloseReason is null && !transport.ClientGone.IsCancellationRequested)
        {
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct, transport.ClientGone, connection.Closed);
            wait.CancelAfter(_options.Heartbeat);
            try
            {
                if (!await reader.WaitToReadAsync(wait.Token))
                {
                    return;
                }
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                if (connection.CloseReason is null && !transport.ClientGone.IsCancellationRequested)
                {
                    await transport.HeartbeatAsync(ct);
                }
                continue;
            }
            while (connection.CloseReason is null && reader.TryRead(out var item))
            {
                switch (cursor.Decide(item))
                {
                    case CursorDecision.Send:
                        await SendAsync(item, cursor, transport, ct);
                        break;
                    case CursorDecision.FillGap:
                        await FillGapAsync(connection.UserId, item, cursor, transport, ct);
                        break;
                }
            }
        }
    }

    /// <summary>The items between the cursor and <paramref name="item"/> are committed (items are broadcast only after
    /// their commit, and a user's items commit in sequence order), so the database has them.</summary>
    private async Task FillGapAsync(string userId, LiveFeedItem item, ResumeCursor cursor, ILiveTransport transport, CancellationToken ct)
    {
        var from = cursor.LastSentSeq;
        var missing = await db.Feed.AsNoTracking().Where(f => f.UserId == userId && f.Seq > from && f.Seq < item.Seq)
            .OrderBy(f => f.Seq).Take(_options.ReplayLimit).ToListAsync(ct);
        if (missing.Count == _options.ReplayLimit)
        {
            // More may be missing than a replay sends: say so, as a resume would.
            await transport.SendAsync(new LiveFrame(null, LiveFrame.ReplayTruncated, clock.GetUtcNow(), null, null,
                new Dictionary<string, string> { ["replayLimit"] = _options.ReplayLimit.ToString(CultureInfo.InvariantCulture) }, null), ct);
        }
        foreach (var row in missing)
        {
            await SendAsync(LiveFeedItems.FromRow(row), cursor, transport, ct);
        }
        await SendAsync(item, cursor, transport, ct);
    }

    private async Task SendAsync(LiveFeedItem item, ResumeCursor cursor, ILiveTransport transport, CancellationToken ct)
    {
        await transport.SendAsync(item.ToFrame(), ct);
        cursor.Sent(item);
        metrics.Pushed(transport.Name);
    }

    private ITimer? ScheduleExpiry(LiveConnection connection, DateTimeOffset? expiresAt)
    {
        if (expiresAt is not { } at)
        {
            return null;
        }
        var due = at - clock.GetUtcNow();
        return clock.CreateTimer(_ => connection.Close(LiveCloseReasons.TokenExpired), null,
            due > TimeSpan.Zero ? due : TimeSpan.Zero, Timeout.InfiniteTimeSpan);
    }

    private async Task AbortIfStuckAsync(HttpContext http, CancellationToken ct)
    {
        try
        {
            await Task.Delay(StuckWriteGrace, clock, ct);
            http.Abort();
        }
        catch (OperationCanceledException)
        {
            // The session ended by itself.
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Live connection of {UserId} ended by the client ({Reason})")]
    private static partial void LogClientGone(ILogger logger, string userId, string reason);
}
