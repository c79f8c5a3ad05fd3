using Microsoft.EntityFrameworkCore;

namespace LedgerX.Notifications.Api.Live;

/// <summary>
/// The live module's tables in notification-service's database (migrations history <c>__ef_migrations_live</c>, so no
/// other module's model is touched): each user's stored feed, the outbox of items not yet broadcast, and WebSocket tickets.
/// </summary>
public sealed class LiveDbContext(DbContextOptions<LiveDbContext> options) : DbContext(options)
{
    public const string MigrationsHistoryTable = "__ef_migrations_live";

    public DbSet<FeedItemRow> Feed => Set<FeedItemRow>();
    public DbSet<FeedOutboxRow> Outbox => Set<FeedOutboxRow>();
    public DbSet<LiveTicketRow> Tickets => Set<LiveTicketRow>();

    protected override void OnModelCreating(ModelBuilder model)
    {
        model.Entity<FeedItemRow>(f =>
        {
            f.ToTable("user_feed");
            f.HasKey(x => x.Id);
            f.Property(x => x.Id).UseIdentityAlwaysColumn();
            f.Property(x => x.UserId).HasMaxLength(128);
            f.Property(x => x.Kind).HasMaxLength(64);
            f.Property(x => x.Payload).HasColumnType("jsonb");
            // One item per user per domain event, however often the event is delivered.
            f.HasIndex(x => new { x.EventId, x.UserId }).IsUnique();
            // Resume: a user's items after an id, in id order.
            f.HasIndex(x => new { x.UserId, x.Id });
            // The user's own gapless sequence: how a connection notices an item it has not seen (ResumeCursor).
            f.HasIndex(x => new { x.UserId, x.Seq }).IsUnique();
            f.HasIndex(x => x.OccurredAt);
        });

        model.Entity<FeedOutboxRow>(o =>
        {
            o.ToTable("user_feed_outbox");
            o.HasKey(x => x.FeedId);
            o.Property(x => x.FeedId).ValueGeneratedNever();
            o.Property(x => x.LastError).HasMaxLength(2000);
            o.HasOne<FeedItemRow>().WithOne().HasForeignKey<FeedOutboxRow>(x => x.FeedId).OnDelete(DeleteBehavior.Cascade);
        });

        model.Entity<LiveTicketRow>(t =>
        {
            t.ToTable("live_tickets");
            t.HasKey(x => x.Hash);
            t.Property(x => x.Hash).HasMaxLength(64);
            t.Property(x => x.UserId).HasMaxLength(128);
            t.HasIndex(x => x.ExpiresAt);
        });
    }
}

/// <summary>A stored feed item; <see cref="Payload"/> is the whole <see cref="LiveFeedItem"/> as published.</summary>
public sealed class FeedItemRow
{
    public long Id { get; set; }
    public required string UserId { get; set; }

    /// <summary>1, 2, 3... per user, in commit order.</summary>
    public long Seq { get; set; }
    public Guid EventId { get; set; }
    public required string Kind { get; set; }
    public required string Payload { get; set; }
    public DateTimeOffset OccurredAt { get; set; }
}

/// <summary>An item still to be broadcast on live.feed.v1; deleted once published.</summary>
public sealed class FeedOutboxRow
{
    public long FeedId { get; set; }
    public int Attempts { get; set; }
    public DateTimeOffset NextAttemptAt { get; set; }
    public string? LastError { get; set; }
}

/// <summary>A WebSocket/SSE ticket: only its SHA-256 is stored; redeemed once before <see cref="ExpiresAt"/>. It carries
/// the expiry of the access token it was issued against, so the connection ends when that token would have.</summary>
public sealed class LiveTicketRow
{
    public required string Hash { get; set; }
    public required string UserId { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }
    public DateTimeOffset? TokenExpiresAt { get; set; }
    public DateTimeOffset? RedeemedAt { get; set; }
}
