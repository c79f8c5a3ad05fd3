using Microsoft.EntityFrameworkCore;

namespace LedgerX.Notifications.Api.Delivery;

/// <summary>The delivery module's table: one row per (event, user, channel), the exactly-once intent, which is also the
/// outbox the dispatcher sends from. Skipped channels are rows too, so a user's history says why nothing came.</summary>
public sealed class DeliveryDbContext(DbContextOptions<DeliveryDbContext> options) : DbContext(options)
{
    public const string Module = "delivery";

    public DbSet<NotificationRow> Notifications => Set<NotificationRow>();

    protected override void OnModelCreating(ModelBuilder model) =>
        model.Entity<NotificationRow>(n =>
        {
            n.ToTable("notifications");
            n.HasKey(x => x.Id);
            n.Property(x => x.Id).ValueGeneratedNever();
            n.Property(x => x.UserId).HasMaxLength(128);
            n.Property(x => x.Channel).HasMaxLength(16);
            n.Property(x => x.Kind).HasMaxLength(64);
            n.Property(x => x.Status).HasMaxLength(16);
            n.Property(x => x.SkipReason).HasMaxLength(32);
            n.Property(x => x.Destination).HasMaxLength(512);
            n.Property(x => x.TemplateId).HasMaxLength(128);
            n.Property(x => x.Language).HasMaxLength(8);
            n.Property(x => x.Subject).HasMaxLength(500);
            n.Property(x => x.Currency).HasMaxLength(3);
            n.Property(x => x.LastError).HasMaxLength(2000);
            // Exactly-once intent: a redelivered event, or two replicas handling it at once, cannot add a second row.
            n.HasIndex(x => new { x.EventId, x.UserId, x.Channel }).IsUnique();
            // A user's history, newest first (ids are UUIDv7, so id order is creation order).
            n.HasIndex(x => new { x.UserId, x.Id });
            n.HasIndex(x => new { x.NextAttemptAt, x.Id }).HasFilter("status = 'pending'").HasDatabaseName("ix_notifications_due");
            n.HasIndex(x => new { x.DeadAt, x.Id }).HasFilter("status = 'dead'").HasDatabaseName("ix_notifications_dead");
        });
}

public static class NotificationStatus
{
    public const string Pending = "pending";
    public const string Sent = "sent";
    public const string Dead = "dead";
    public const string Skipped = "skipped";
}

public sealed class NotificationRow
{
    public Guid Id { get; set; }
    public Guid EventId { get; set; }
    public required string UserId { get; set; }
    public required string Channel { get; set; }
    public required string Kind { get; set; }
    public required string Status { get; set; }
    public string? SkipReason { get; set; }

    /// <summary>The address, phone number or device token it goes to (masked in the API).</summary>
    public string? Destination { get; set; }

    /// <summary>The template it was rendered from, with its version and language (e.g. email/transaction.credited.v1.de).</summary>
    public string? TemplateId { get; set; }
    public required string Language { get; set; }
    public string? Subject { get; set; }
    public string? Text { get; set; }
    public string? Html { get; set; }
    public Guid? AccountId { get; set; }
    public long? Amount { get; set; }
    public string? Currency { get; set; }
    public DateTimeOffset OccurredAt { get; set; }
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>When the dispatcher may (next) try: the end of quiet hours at first, then the backoff schedule.</summary>
    public DateTimeOffset NextAttemptAt { get; set; }
    public int Attempts { get; set; }
    public string? LastError { get; set; }
    public DateTimeOffset? SentAt { get; set; }
    public DateTimeOffset? DeadAt { get; set; }

    /// <summary>The id of the notifications.dead_letter.v1 event of the last death, published once (null: not yet).</summary>
    public Guid? DeadLetterEventId { get; set; }
    public DateTimeOffset? DeadLetterPublishedAt { get; set; }
}

internal sealed class DeliveryDesignTimeFactory : Microsoft.EntityFrameworkCore.Design.IDesignTimeDbContextFactory<DeliveryDbContext>
{
    public DeliveryDbContext CreateDbContext(string[] args) =>
        new(Infrastructure.Persistence.ModuleDatabase.DesignTimeOptions<DeliveryDbContext>(DeliveryDbContext.Module));
}
