using Microsoft.EntityFrameworkCore;

namespace LedgerX.Auth.Audit.Persistence;

/// <summary>
/// The audit log's tables in schema <c>audit</c> of auth-service's database, with their own migrations history table
/// there, so they live beside auth-service's own context (Identity, OpenIddict) without either migrating the other.
/// </summary>
public sealed class AuditLogDbContext(DbContextOptions<AuditLogDbContext> options) : DbContext(options)
{
    public const string Schema = "audit";
    public const string RecordsTable = "records";
    public const string HeadTable = "chain_head";
    public const string MigrationsHistoryTable = "__ef_migrations_history";

    public DbSet<AuditRecordRow> Records => Set<AuditRecordRow>();
    public DbSet<AuditChainHeadRow> Head => Set<AuditChainHeadRow>();

    protected override void OnModelCreating(ModelBuilder model)
    {
        model.HasDefaultSchema(Schema);
        model.Entity<AuditRecordRow>(r =>
        {
            r.ToTable(RecordsTable, t =>
            {
                t.HasCheckConstraint("ck_records_sequence_positive", "sequence > 0");
                t.HasCheckConstraint("ck_records_hash_size", "octet_length(hash) = 32 AND octet_length(previous_hash) = 32");
            });
            r.HasKey(x => x.Sequence);
            r.Property(x => x.Sequence).ValueGeneratedNever();
            r.HasIndex(x => x.EventId).IsUnique();
            r.Property(x => x.Source).HasMaxLength(100);
            r.Property(x => x.ActorType).HasMaxLength(16);
            r.Property(x => x.ActorId).HasMaxLength(200);
            r.Property(x => x.Action).HasMaxLength(100);
            r.Property(x => x.SubjectType).HasMaxLength(50);
            r.Property(x => x.SubjectId).HasMaxLength(200);
            r.Property(x => x.Outcome).HasMaxLength(16);
            r.Property(x => x.Details).HasColumnType("jsonb");
            r.Property(x => x.TraceId).HasMaxLength(32);
            // The query API's filters, each with the keyset column last so a filtered page is an index range.
            r.HasIndex(x => new { x.ActorType, x.ActorId, x.Sequence });
            r.HasIndex(x => new { x.Action, x.Sequence });
            r.HasIndex(x => new { x.SubjectType, x.SubjectId, x.Sequence });
            r.HasIndex(x => new { x.OccurredAt, x.Sequence });
        });
        model.Entity<AuditChainHeadRow>(h =>
        {
            h.ToTable(HeadTable, t => t.HasCheckConstraint("ck_chain_head_singleton", $"id = {AuditChainHeadRow.SingletonId}"));
            h.HasKey(x => x.Id);
            h.Property(x => x.Id).ValueGeneratedNever();
            h.HasData(new AuditChainHeadRow { Id = AuditChainHeadRow.SingletonId, Sequence = 0, Hash = new byte[32] });
        });
    }
}
