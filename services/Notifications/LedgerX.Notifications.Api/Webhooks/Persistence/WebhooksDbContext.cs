using LedgerX.ServiceDefaults.Audit;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace LedgerX.Notifications.Api.Webhooks.Persistence;

/// <summary>
/// The webhooks module's tables in notification-service's database (snake_case, own migrations history
/// <c>__ef_migrations_webhooks</c>): endpoints, deliveries, attempts, the Data Protection key ring that encrypts
/// the signing secrets (in the database so every replica can decrypt what any replica stored), and the audit outbox.
/// </summary>
public sealed class WebhooksDbContext(DbContextOptions<WebhooksDbContext> options) : DbContext(options), IDataProtectionKeyContext
{
    public const int MaxUserIdLength = 128;
    public const int MaxDescriptionLength = 500;
    public const int MaxErrorLength = 2000;

    public DbSet<WebhookEndpointRow> Endpoints => Set<WebhookEndpointRow>();
    public DbSet<WebhookDeliveryRow> Deliveries => Set<WebhookDeliveryRow>();
    public DbSet<WebhookAttemptRow> Attempts => Set<WebhookAttemptRow>();
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    protected override void OnModelCreating(ModelBuilder model)
    {
        model.Entity<WebhookEndpointRow>(e =>
        {
            e.ToTable("webhook_endpoints");
            e.HasKey(x => x.Id);
            e.Property(x => x.Id).ValueGeneratedNever();
            e.Property(x => x.UserId).HasMaxLength(MaxUserIdLength);
            e.Property(x => x.Url).HasMaxLength(WebhookUrl.MaxLength);
            e.Property(x => x.Description).HasMaxLength(MaxDescriptionLength);
            e.Property(x => x.DisabledReason).HasMaxLength(MaxErrorLength);
            // The sink finds a user's endpoints; the API lists them in creation order (UUIDv7).
            e.HasIndex(x => new { x.UserId, x.Id });
        });

        model.Entity<WebhookDeliveryRow>(d =>
        {
            d.ToTable("webhook_deliveries");
            d.HasKey(x => x.Id);
            d.Property(x => x.Id).ValueGeneratedNever();
            d.Property(x => x.UserId).HasMaxLength(MaxUserIdLength);
            d.Property(x => x.Type).HasMaxLength(64);
            d.Property(x => x.Status).HasMaxLength(16);
            d.Property(x => x.LastError).HasMaxLength(MaxErrorLength);
            // Exactly one delivery of an event to an endpoint, however often the event arrives.
            d.HasIndex(x => new { x.EndpointId, x.EventId }).IsUnique();
            // The dispatcher's claim.
            d.HasIndex(x => x.NextAttemptAt).HasFilter("status = 'pending'").HasDatabaseName("ix_webhook_deliveries_due");
            // The delivery log, newest first.
            d.HasIndex(x => new { x.EndpointId, x.Id });
            // Dead letters across endpoints for operators.
            d.HasIndex(x => x.DeadAt).HasFilter("status = 'dead'").HasDatabaseName("ix_webhook_deliveries_dead");
            d.HasOne<WebhookEndpointRow>().WithMany().HasForeignKey(x => x.EndpointId).OnDelete(DeleteBehavior.Cascade);
        });

        model.Entity<WebhookAttemptRow>(a =>
        {
            a.ToTable("webhook_attempts");
            a.HasKey(x => x.Id);
            a.Property(x => x.Id).UseIdentityAlwaysColumn();
            a.Property(x => x.Error).HasMaxLength(MaxErrorLength);
            a.HasIndex(x => new { x.DeliveryId, x.Id });
            a.HasOne<WebhookDeliveryRow>().WithMany().HasForeignKey(x => x.DeliveryId).OnDelete(DeleteBehavior.Cascade);
        });

        model.Entity<DataProtectionKey>(k => k.ToTable("webhook_data_protection_keys"));

        // notification-service's audit outbox (ServiceDefaults' shared table): automatic disables are audited in the
        // transaction that disables. The only one in the service so far; another module audits through this context.
        model.ConfigureAuditOutbox();
    }
}
