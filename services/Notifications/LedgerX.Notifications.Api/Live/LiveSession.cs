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
        if (lastEventId is not { } after)
        {
            // Live from now: everything stored so far counts as sent.
            var newest = await db.Feed.Where(f => f.UserId == userId).MaxAsync(f => (long?)f.Id, ct) ?? 0;
            return new ResumeCursor(newest, clock);
        }
        var missed = await db.Feed.AsNoTracking().Where(f => f.UserId == userId && f.Id > after)
            .OrderByDescending(f => f.Id).Take(_options.ReplayLimit + 1).ToListAsync(ct);
        var cursor = new ResumeCursor(after, clock);
        if (missed.Count > _options.ReplayLimit)
        {
            missed.RemoveAt(missed.Count - 1);
            await transport.SendAsync(new LiveFrame(null, LiveFrame.ReplayTruncated, clock.GetUtcNow(), null, null,
                new Dictionary<string, string> { ["replayLimit"] = _options.ReplayLimit.ToString(CultureInfo.InvariantCulture) }, null), ct);
        }
        foreach (var row in Enumerable.Reverse(missed))
        {
            var item = LiveFeedItems.FromRow(row);
            if (cursor.ShouldSend(item))
            {
                await transport.SendAsync(item.ToFrame(), ct);
                metrics.Pushed(transport.Name);
            }
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
                if (cursor.ShouldSend(item))
                {
                    await transport.SendAsync(item.ToFrame(), ct);
                    metrics.Pushed(transport.Name);
                }
            }
        }
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
