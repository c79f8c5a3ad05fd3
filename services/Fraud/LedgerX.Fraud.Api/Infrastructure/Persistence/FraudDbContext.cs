using LedgerX.ServiceDefaults.Telemetry;
using LedgerX.ServiceDefaults.Audit;
using Microsoft.EntityFrameworkCore;

namespace LedgerX.Fraud.Api.Infrastructure.Persistence;

/// <summary>fraud-service's own database (snake_case): alerts, processed events, the outbox and account owners. Risk profiles live in
/// actor state, not here.</summary>
public sealed class FraudDbContext(DbContextOptions<FraudDbContext> options) : DbContext(options)
{
    public DbSet<AlertRow> Alerts => Set<AlertRow>();
    public DbSet<ProcessedEventRow> ProcessedEvents => Set<ProcessedEventRow>();
    public DbSet<OutboxRow> Outbox => Set<OutboxRow>();
    public DbSet<AccountOwnerRow> AccountOwners => Set<AccountOwnerRow>();

    protected override void OnModelCreating(ModelBuilder model)
    {
        model.Entity<AlertRow>(a =>
        {
            a.ToTable("alerts");
            a.HasKey(x => x.Id);
            a.Property(x => x.Id).ValueGeneratedNever();
            a.Property(x => x.Topic).HasMaxLength(64);
            a.Property(x => x.Direction).HasMaxLength(8);
            a.Property(x => x.Currency).HasMaxLength(3);
            a.Property(x => x.Counterparty).HasMaxLength(64);
            a.Property(x => x.Reasons).HasColumnType("jsonb");
            a.Property(x => x.Status).HasMaxLength(16);
            a.Property(x => x.AcknowledgedBy).HasMaxLength(128);
            a.Property(x => x.AcknowledgementNote).HasMaxLength(1000);
            a.Property(x => x.Action).HasMaxLength(16);
            a.Property(x => x.ActionStatus).HasMaxLength(16);
            a.Property(x => x.ActionLastError).HasMaxLength(2000);
            // One alert per account per consumed event, even if two deliveries race.
            a.HasIndex(x => new { x.EventId, x.AccountId }).IsUnique();
            // Listing by account, newest first (ids are UUIDv7, so id order is creation order).
            a.HasIndex(x => new { x.AccountId, x.Id });
            a.HasIndex(x => new { x.ActionNextAttemptAt, x.Id }).HasFilter("action_status = 'pending'").HasDatabaseName("ix_alerts_pending_action");
            a.ToTable(t => t.HasCheckConstraint("ck_alerts_score_range", "score BETWEEN 0 AND 100"));
        });

        model.Entity<ProcessedEventRow>(p =>
        {
            p.ToTable("processed_events");
            p.HasKey(x => x.EventId);
            p.Property(x => x.EventId).ValueGeneratedNever();
            p.Property(x => x.Topic).HasMaxLength(64);
        });

        model.Entity<OutboxRow>(o =>
        {
            o.ToTable("outbox");
            o.HasKey(x => x.Id);
            o.Property(x => x.Id).UseIdentityAlwaysColumn();
            o.HasIndex(x => x.EventId).IsUnique();
            o.Property(x => x.Topic).HasMaxLength(64);
            o.Property(x => x.Payload).HasColumnType("json");
            o.Property(x => x.LastError).HasMaxLength(2000);
            o.Property(x => x.TraceParent).HasMaxLength(OutboxTrace.MaxTraceParentLength);
            o.Property(x => x.TraceState).HasMaxLength(OutboxTrace.MaxTraceStateLength);
            o.HasIndex(x => new { x.NextAttemptAt, x.Id }).HasFilter("sent_at IS NULL").HasDatabaseName("ix_outbox_pending");
        });

        model.Entity<AccountOwnerRow>(o =>
        {
            o.ToTable("account_owners");
            o.HasKey(x => x.AccountId);
            o.Property(x => x.AccountId).ValueGeneratedNever();
            o.Property(x => x.OwnerId).HasMaxLength(Events.AccountOpened.MaxOwnerIdLength);
            // A customer's alerts are found through their accounts.
            o.HasIndex(x => x.OwnerId);
        });

        // Acknowledgements' audit events, written in the acknowledgement's transaction (ServiceDefaults' shared outbox).
        model.ConfigureAuditOutbox();
    }
}
