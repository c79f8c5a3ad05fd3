using Microsoft.EntityFrameworkCore;

namespace LedgerX.Notifications.Api.Intake;

/// <summary>The intake module's tables: consumed events (idempotency), the owner, contact and reversal projections, and
/// how often an event waited for an owner.</summary>
public sealed class IntakeDbContext(DbContextOptions<IntakeDbContext> options) : DbContext(options)
{
    public const string Module = "intake";

    public DbSet<ProcessedEventRow> ProcessedEvents => Set<ProcessedEventRow>();
    public DbSet<AccountOwnerRow> AccountOwners => Set<AccountOwnerRow>();
    public DbSet<UserContactRow> UserContacts => Set<UserContactRow>();
    public DbSet<ReversalPartiesRow> ReversalParties => Set<ReversalPartiesRow>();
    public DbSet<WaitingEventRow> WaitingEvents => Set<WaitingEventRow>();

    protected override void OnModelCreating(ModelBuilder model)
    {
        model.Entity<ProcessedEventRow>(p =>
        {
            p.ToTable("intake_processed_events");
            p.HasKey(x => x.EventId);
            p.Property(x => x.EventId).ValueGeneratedNever();
            p.Property(x => x.Topic).HasMaxLength(64);
        });
        model.Entity<AccountOwnerRow>(o =>
        {
            o.ToTable("account_owners");
            o.HasKey(x => x.AccountId);
            o.Property(x => x.AccountId).ValueGeneratedNever();
            o.Property(x => x.OwnerId).HasMaxLength(AccountOpened.MaxOwnerIdLength);
            o.HasIndex(x => x.OwnerId);
        });
        model.Entity<UserContactRow>(c =>
        {
            c.ToTable("user_contacts");
            c.HasKey(x => x.UserId);
            c.Property(x => x.UserId).HasMaxLength(AccountOpened.MaxOwnerIdLength);
            c.Property(x => x.Email).HasMaxLength(320);
            c.Property(x => x.PhoneNumber).HasMaxLength(32);
        });
        model.Entity<ReversalPartiesRow>(r =>
        {
            r.ToTable("reversal_parties");
            r.HasKey(x => x.ReversalId);
            r.Property(x => x.ReversalId).ValueGeneratedNever();
            r.Property(x => x.Currency).HasMaxLength(3);
        });
        model.Entity<WaitingEventRow>(w =>
        {
            w.ToTable("intake_waiting_events");
            w.HasKey(x => x.EventId);
            w.Property(x => x.EventId).ValueGeneratedNever();
            w.Property(x => x.Topic).HasMaxLength(64);
        });
    }
}

/// <summary>A consumed domain event, written after every sink accepted its UserEvents: a redelivery is acknowledged at once.</summary>
public sealed class ProcessedEventRow
{
    public Guid EventId { get; set; }
    public required string Topic { get; set; }
    public int UserEvents { get; set; }
    public DateTimeOffset ProcessedAt { get; set; }
}

public sealed class AccountOwnerRow
{
    public Guid AccountId { get; set; }
    public required string OwnerId { get; set; }
    public bool IsWorld { get; set; }
    public DateTimeOffset OpenedAt { get; set; }
}

/// <summary>Where a user can be reached, from auth.user_contact.v1; the newest event (by occurredAt) wins.</summary>
public sealed class UserContactRow
{
    public required string UserId { get; set; }
    public string? Email { get; set; }
    public bool EmailConfirmed { get; set; }
    public string? PhoneNumber { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

public sealed class ReversalPartiesRow
{
    public Guid ReversalId { get; set; }
    public Guid EntryId { get; set; }
    public Guid AccountId { get; set; }
    public Guid CounterpartyAccountId { get; set; }
    public long Amount { get; set; }
    public required string Currency { get; set; }
}

/// <summary>An event retried because an owner (or a reversal's parties) was not projected yet: how many times, so the wait
/// is bounded.</summary>
public sealed class WaitingEventRow
{
    public Guid EventId { get; set; }
    public required string Topic { get; set; }
    public int Attempts { get; set; }
    public DateTimeOffset LastAttemptAt { get; set; }
}

internal sealed class IntakeDesignTimeFactory : Microsoft.EntityFrameworkCore.Design.IDesignTimeDbContextFactory<IntakeDbContext>
{
    public IntakeDbContext CreateDbContext(string[] args) =>
        new(Infrastructure.Persistence.ModuleDatabase.DesignTimeOptions<IntakeDbContext>(IntakeDbContext.Module));
}
