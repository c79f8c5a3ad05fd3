using System.ComponentModel.DataAnnotations;

namespace LedgerX.Notifications.Api.Live;

/// <summary>Configuration section <c>Notifications:Live</c>: bounds of the live feed (docs/api/live.md).</summary>
public sealed class LiveOptions
{
    public const string Section = "Notifications:Live";

    /// <summary>Items a connection may have waiting to be written. A client that falls this far behind is closed with
    /// <c>slow_consumer</c> rather than letting the replica's memory grow; it resumes from its last id.</summary>
    [Range(1, 100_000)]
    public int BufferSize { get; set; } = 256;

    /// <summary>Most stored items sent on resume. More missed than this: a <c>live.replay_truncated</c> item, then the
    /// newest <see cref="ReplayLimit"/> (the history API has the rest).</summary>
    [Range(1, 10_000)]
    public int ReplayLimit { get; set; } = 500;

    /// <summary>Open connections per user on one replica; one more is refused with 429 <c>too_many_connections</c>.</summary>
    [Range(1, 1_000)]
    public int MaxConnectionsPerUser { get; set; } = 5;

    /// <summary>WebSocket keep-alive and SSE <c>: ping</c> interval: keeps proxies from closing an idle connection.</summary>
    [Range(1, 300)]
    public int HeartbeatSeconds { get; set; } = 15;

    /// <summary>How long a ticket from <c>POST /api/v1/live/tickets</c> may be redeemed (once).</summary>
    [Range(5, 300)]
    public int TicketLifetimeSeconds { get; set; } = 30;

    /// <summary>Feed items the relay publishes per round.</summary>
    [Range(1, 1_000)]
    public int PublishBatchSize { get; set; } = 100;

    /// <summary>How often an idle relay looks for unpublished items (a commit on this replica wakes it at once).</summary>
    [Range(10, 60_000)]
    public int PollIntervalMs { get; set; } = 500;

    /// <summary>How long stored feed items are kept for resume.</summary>
    [Range(1, 365)]
    public int RetentionDays { get; set; } = 7;

    /// <summary>Largest message a client may send on the WebSocket (it has nothing to say but close); more is closed
    /// with 1009.</summary>
    [Range(16, 65_536)]
    public int MaxClientMessageBytes { get; set; } = 1024;

    public TimeSpan Heartbeat => TimeSpan.FromSeconds(HeartbeatSeconds);

    public TimeSpan TicketLifetime => TimeSpan.FromSeconds(TicketLifetimeSeconds);
}
