using LedgerX.ServiceDefaults.Audit;
using LedgerX.ServiceDefaults.Telemetry;
using Microsoft.EntityFrameworkCore;

namespace LedgerX.Transactions.Api.Infrastructure.Persistence;

/// <summary>The ledger's schema (snake_case names, so the hand-written SQL of the writer reads naturally).</summary>
public sealed class LedgerDbContext(DbContextOptions<LedgerDbContext> options) : DbContext(options)
{
    public DbSet<AccountRow> Accounts => Set<AccountRow>();
    public DbSet<JournalEntryRow> JournalEntries => Set<JournalEntryRow>();
    public DbSet<PostingRow> Postings => Set<PostingRow>();
    public DbSet<HoldRow> Holds => Set<HoldRow>();
    public DbSet<ReversalRow> Reversals => Set<ReversalRow>();
    public DbSet<EventRow> EventLog => Set<EventRow>();
    public DbSet<LedgerHeadRow> LedgerHead => Set<LedgerHeadRow>();
    public DbSet<OutboxRow> Outbox => Set<OutboxRow>();
    public DbSet<IdempotencyRow> IdempotencyKeys => Set<IdempotencyRow>();

    protected override void OnModelCreating(ModelBuilder model)
    {
        model.Entity<AccountRow>(a =>
        {
            a.ToTable("accounts");
            a.HasKey(x => x.Id);
            a.Property(x => x.OwnerId).HasMaxLength(128);
            a.Property(x => x.Currency).HasMaxLength(3);
            a.Property(x => x.Kind).HasMaxLength(16);
            a.Property(x => x.Status).HasMaxLength(16);
            a.Property(x => x.Metadata).HasColumnType("jsonb");
            a.HasIndex(x => new { x.OwnerId, x.Id });
            // Exactly one world account per currency, even if two writers raced to open it.
            a.HasIndex(x => x.Currency).IsUnique().HasFilter("kind = 'world'").HasDatabaseName("ux_accounts_world_currency");
            a.ToTable(t => t.HasCheckConstraint("ck_accounts_held_not_negative", "held >= 0"));
        });

        model.Entity<JournalEntryRow>(e =>
        {
            e.ToTable("journal_entries");
            e.HasKey(x => x.Id);
            e.HasIndex(x => x.Sequence).IsUnique();
            e.HasIndex(x => x.ReversesEntryId).HasFilter("reverses_entry_id IS NOT NULL");
            e.Property(x => x.Kind).HasMaxLength(16);
            e.Property(x => x.Description).HasMaxLength(500);
            e.Property(x => x.Category).HasMaxLength(64);
            e.Property(x => x.Metadata).HasColumnType("jsonb");
            e.HasMany(x => x.Postings).WithOne().HasForeignKey(p => p.EntryId);
        });

        model.Entity<PostingRow>(p =>
        {
            p.ToTable("postings");
            p.HasKey(x => new { x.EntryId, x.Line });
            p.Property(x => x.Direction).HasMaxLength(6);
            p.Property(x => x.Currency).HasMaxLength(3);
            // History per account, newest first, by keyset (sequence, index).
            p.HasIndex(x => new { x.AccountId, x.Sequence, x.Line }).IsDescending(false, true, true);
            p.ToTable(t => t.HasCheckConstraint("ck_postings_amount_positive", "amount > 0"));
        });

        model.Entity<HoldRow>(h =>
        {
            h.ToTable("holds");
            h.HasKey(x => x.Id);
            h.Property(x => x.Currency).HasMaxLength(3);
            h.Property(x => x.Status).HasMaxLength(16);
            h.Property(x => x.Description).HasMaxLength(500);
            h.HasIndex(x => x.ExpiresAt).HasFilter("status = 'pending'").HasDatabaseName("ix_holds_pending_expiry");
            h.HasIndex(x => x.AccountId);
        });

        model.Entity<ReversalRow>(r =>
        {
            r.ToTable("reversals");
            r.HasKey(x => x.Id);
            r.Property(x => x.Currency).HasMaxLength(3);
            r.Property(x => x.Status).HasMaxLength(32);
            r.Property(x => x.Reason).HasMaxLength(500);
            r.Property(x => x.Steps).HasColumnType("jsonb");
            r.Property(x => x.Compensations).HasColumnType("jsonb");
            r.Property(x => x.Decision).HasMaxLength(16);
            r.Property(x => x.DecidedBy).HasMaxLength(128);
            // Listing by account and status pages by id (UUIDv7, so newest last).
            r.HasIndex(x => new { x.AccountId, x.Id });
            r.HasIndex(x => new { x.CounterpartyAccountId, x.Id });
            r.HasIndex(x => new { x.Status, x.Id });
            r.HasIndex(x => x.EntryId);
        });

        model.Entity<EventRow>(e =>
        {
            e.ToTable("event_log");
            e.HasKey(x => x.Sequence);
            e.Property(x => x.Sequence).ValueGeneratedNever();
            e.HasIndex(x => x.EventId).IsUnique();
            e.Property(x => x.Type).HasMaxLength(64);
            e.Property(x => x.Payload).HasColumnType("json");
            e.ToTable(t => t.HasCheckConstraint("ck_event_log_hash_size", "length(hash) = 32 AND length(prev_hash) = 32"));
        });

        model.Entity<LedgerHeadRow>(h =>
        {
            h.ToTable("ledger_head");
            h.HasKey(x => x.Id);
            h.Property(x => x.Id).ValueGeneratedNever();
            h.ToTable(t => t.HasCheckConstraint("ck_ledger_head_single_row", "id = 1"));
            h.HasData(new LedgerHeadRow { Id = 1, Sequence = 0, Hash = new byte[32] });
        });

        model.Entity<OutboxRow>(o =>
        {
            o.ToTable("outbox");
            o.HasKey(x => x.Sequence);
            o.Property(x => x.Sequence).ValueGeneratedNever();
            o.Property(x => x.Topic).HasMaxLength(64);
            o.Property(x => x.TraceParent).HasMaxLength(OutboxTrace.MaxTraceParentLength);
            o.Property(x => x.TraceState).HasMaxLength(OutboxTrace.MaxTraceStateLength);
            o.HasOne<EventRow>().WithOne().HasForeignKey<OutboxRow>(x => x.Sequence);
            o.HasIndex(x => new { x.NextAttemptAt, x.Sequence }).HasFilter("sent_at IS NULL").HasDatabaseName("ix_outbox_pending");
        });

        model.Entity<IdempotencyRow>(i =>
        {
            i.ToTable("idempotency_keys");
            i.HasKey(x => new { x.Scope, x.Key });
            i.Property(x => x.Scope).HasMaxLength(Ledger.IdempotencyScope.MaxLength);
            i.Property(x => x.Key).HasMaxLength(255);
            i.HasIndex(x => x.ExpiresAt);
        });

        // Privileged actions' audit events, written in the action's transaction (ServiceDefaults' shared outbox).
        model.ConfigureAuditOutbox();
    }
}
