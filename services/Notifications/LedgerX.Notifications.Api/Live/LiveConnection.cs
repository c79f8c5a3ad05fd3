using System.Threading.Channels;

namespace LedgerX.Notifications.Api.Live;

/// <summary>Why the server ends a connection: the WebSocket close reason and the SSE <c>close</c> event's reason.</summary>
public static class LiveCloseReasons
{
    /// <summary>The client did not read fast enough: its buffer of <c>Notifications:Live:BufferSize</c> items filled up.</summary>
    public const string SlowConsumer = "slow_consumer";

    /// <summary>The access token the connection was opened with has expired; reconnect with a fresh one.</summary>
    public const string TokenExpired = "token_expired";

    /// <summary>The replica is shutting down; reconnect (another replica answers) with the last id.</summary>
    public const string ServerShutdown = "server_shutdown";
}

/// <summary>
/// One open WebSocket or SSE stream of one user on this replica: a bounded queue of items the hub hands it, drained by
/// the transport. Never blocks the hub: an item that does not fit closes the connection (<see cref="LiveCloseReasons.SlowConsumer"/>),
/// so one slow client costs at most <c>BufferSize</c> items of memory and nobody else's latency.
/// </summary>
public sealed class LiveConnection
{
    private readonly Channel<LiveFeedItem> _queue;
    private readonly CancellationTokenSource _closed = new();
    private string? _closeReason;

    public LiveConnection(string userId, int bufferSize)
    {
        UserId = userId;
        _queue = Channel.CreateBounded<LiveFeedItem>(new BoundedChannelOptions(bufferSize)
        {
            SingleReader = true,
            SingleWriter = false,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    public Guid Id { get; } = Guid.NewGuid();

    public string UserId { get; }

    /// <summary>Why the server closed it (null while open, or when the client left).</summary>
    public string? CloseReason => Volatile.Read(ref _closeReason);

    /// <summary>Cancelled when the server decides to close (slow consumer, token expiry, shutdown).</summary>
    public CancellationToken Closed => _closed.Token;

    public ChannelReader<LiveFeedItem> Items => _queue.Reader;

    /// <summary>Queues an item, or closes the connection as a slow consumer when its buffer is full.</summary>
    public void Offer(LiveFeedItem item)
    {
        if (!_queue.Writer.TryWrite(item))
        {
            Close(LiveCloseReasons.SlowConsumer);
        }
    }

    /// <summary>The first reason wins; later ones (the token expiring while a slow consumer is closed) change nothing.</summary>
    public void Close(string reason)
    {
        if (Interlocked.CompareExchange(ref _closeReason, reason, null) is null)
        {
            _queue.Writer.TryComplete();
            _closed.Cancel();
        }
    }
}

/// <summary>What a connection does with an item the hub handed it.</summary>
public enum CursorDecision
{
    /// <summary>Write it: the next of the user's sequence, or an ephemeral item still fresh.</summary>
    Send,

    /// <summary>Already sent (by the replay, or the broadcast delivered it twice), or a stale ephemeral item.</summary>
    Drop,

    /// <summary>Items between the last one sent and this one are missing (the broker reordered or lost them): read
    /// them from the database, send them, then this one.</summary>
    FillGap,
}

/// <summary>
/// Where a connection is in its user's feed (pure): the last feed id and per-user sequence number sent. Sequence
/// numbers have no gaps per user, so an item is a duplicate (at or below), the next one, or proof that some are missing.
/// </summary>
public sealed class ResumeCursor(long lastSentId, long lastSentSeq, TimeProvider clock)
{
    public long LastSentId { get; private set; } = lastSentId;

    public long LastSentSeq { get; private set; } = lastSentSeq;

    public CursorDecision Decide(LiveFeedItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        if (item.IsEphemeral)
        {
            return item.ExpiresAt > clock.GetUtcNow() ? CursorDecision.Send : CursorDecision.Drop;
        }
        if (item.Seq is not { } seq || seq <= LastSentSeq)
        {
            return CursorDecision.Drop;
        }
        return seq == LastSentSeq + 1 ? CursorDecision.Send : CursorDecision.FillGap;
    }

    /// <summary>Records a stored item as written.</summary>
    public void Sent(LiveFeedItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        if (!item.IsEphemeral && item.Seq is { } seq && seq > LastSentSeq)
        {
            LastSentSeq = seq;
            LastSentId = Math.Max(LastSentId, item.Id ?? 0);
        }
    }
}
