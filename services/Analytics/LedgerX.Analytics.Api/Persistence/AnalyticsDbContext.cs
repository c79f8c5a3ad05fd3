using LedgerX.ServiceDefaults.Audit;
using Microsoft.EntityFrameworkCore;

namespace LedgerX.Analytics.Api.Persistence;

/// <summary>The read models' schema (snake_case names, so ProjectionWriter's SQL reads naturally).</summary>
public sealed class AnalyticsDbContext(DbContextOptions<AnalyticsDbContext> options) : DbContext(options)
{
    public DbSet<ProcessedEventRow> ProcessedEvents => Set<ProcessedEventRow>();
    public DbSet<BalancePointRow> BalancePoints => Set<BalancePointRow>();
    public DbSet<SpendingEntryRow> SpendingEntries => Set<SpendingEntryRow>();
    public DbSet<ReversalAdjustmentRow> ReversalAdjustments => Set<ReversalAdjustmentRow>();
    public DbSet<CounterpartyRow> Counterparties => Set<CounterpartyRow>();
    public DbSet<DailyVolumeRow> DailyVolumes => Set<DailyVolumeRow>();
    public DbSet<DailyActivityRow> DailyActivity => Set<DailyActivityRow>();
    public DbSet<AlertCountRow> AlertCounts => Set<AlertCountRow>();
    public DbSet<AccountOwnerRow> AccountOwners => Set<AccountOwnerRow>();

    protected override void OnModelCreating(ModelBuilder model)
    {
        model.Entity<ProcessedEventRow>(e =>
        {
            e.ToTable("processed_events");
            e.HasKey(x => x.EventId);
            e.Property(x => x.Type).HasMaxLength(64);
            e.Property(x => x.Origin).HasMaxLength(16);
            e.HasIndex(x => x.Origin);
        });
        model.Entity<BalancePointRow>(b =>
        {
            b.ToTable("balance_points");
            // One point per account and ledger position: the key also makes a replayed point a no-op.
            b.HasKey(x => new { x.AccountId, x.Sequence });
            b.Property(x => x.Currency).HasMaxLength(3);
            b.Property(x => x.EntryKind).HasMaxLength(16);
        });
        model.Entity<SpendingEntryRow>(s =>
        {
            s.ToTable("spending_entries");
            // The key makes a replayed entry a no-op.
            s.HasKey(x => new { x.EntryId, x.AccountId, x.Currency });
            s.Property(x => x.Category).HasMaxLength(64);
            s.Property(x => x.Currency).HasMaxLength(3);
            s.Property(x => x.Entries).HasDefaultValue(1L);
            s.HasIndex(x => new { x.AccountId, x.Month });
        });
        model.Entity<ReversalAdjustmentRow>(r =>
        {
            r.ToTable("reversal_adjustments");
            r.HasKey(x => new { x.EntryId, x.AccountId, x.Currency });
            r.Property(x => x.Currency).HasMaxLength(3);
            // Spending finds the reversals of an entry (and the compensations of those) by the entry they reverse.
            r.HasIndex(x => x.ReversesEntryId);
        });
        model.Entity<CounterpartyRow>(c =>
        {
            c.ToTable("counterparties");
            c.HasKey(x => new { x.AccountId, x.CounterpartyId, x.Currency });
            c.Property(x => x.Currency).HasMaxLength(3);
        });
        model.Entity<DailyVolumeRow>(v =>
        {
            v.ToTable("daily_volumes");
            v.HasKey(x => new { x.Day, x.Currency, x.Kind });
            v.Property(x => x.Currency).HasMaxLength(3);
            v.Property(x => x.Kind).HasMaxLength(16);
        });
        model.Entity<DailyActivityRow>(a =>
        {
            a.ToTable("daily_activity");
            a.HasKey(x => new { x.Day, x.Activity });
            a.Property(x => x.Activity).HasMaxLength(64);
        });
        model.Entity<AlertCountRow>(a =>
        {
            a.ToTable("alert_counts");
            a.HasKey(x => new { x.AccountId, x.Day });
            a.Property(x => x.MaxScore).HasPrecision(7, 2);
            a.HasIndex(x => x.Day);
        });

        model.Entity<AccountOwnerRow>(o =>
        {
            o.ToTable("account_owners");
            o.HasKey(x => x.AccountId);
            o.Property(x => x.OwnerId).HasMaxLength(Events.AccountOpened.MaxOwnerIdLength);
        });

        // The rebuild's audit events, written in the rebuild's transaction (ServiceDefaults' shared outbox).
        model.ConfigureAuditOutbox();
    }
}
