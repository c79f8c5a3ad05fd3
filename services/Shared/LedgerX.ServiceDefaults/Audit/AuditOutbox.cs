using LedgerX.ServiceDefaults.Telemetry;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;

namespace LedgerX.ServiceDefaults.Audit;

/// <summary>
/// One audit.recorded.v1 event in a service's own <c>audit_outbox</c> table, written in the transaction of the action it
/// records and published from there by <see cref="AuditOutboxRelay{TDbContext}"/>: an action that committed is
/// audited, one that rolled back never is.
/// </summary>
public sealed class AuditOutboxRow
{
    private AuditOutboxRow() { }

    /// <summary>The event id: the CloudEvent id when published, and what the audit log deduplicates on.</summary>
    public Guid EventId { get; private set; }

    /// <summary>The event as the schema has it (camelCase, nulls omitted), stored as jsonb.</summary>
    public string Payload { get; private set; } = "";

    /// <summary>Set by the database (<c>now()</c>: the enqueuing transaction's start), so it needs no clock here.</summary>
    public DateTimeOffset EnqueuedAt { get; private set; }

    public int Attempts { get; private set; }

    /// <summary>Set by the database on insert; moved forward by the relay's backoff after a failed publish.</summary>
    public DateTimeOffset NextAttemptAt { get; private set; }

    public string? LastError { get; private set; }

    /// <summary>Null until the sidecar accepted it.</summary>
    public DateTimeOffset? PublishedAt { get; private set; }

    /// <summary>The W3C context of the action when it was audited; the relay publishes under it (ADR 0023). Null for
    /// rows written before the column existed or outside any trace.</summary>
    public string? TraceParent { get; private set; }

    public string? TraceState { get; private set; }

    internal static AuditOutboxRow For(AuditRecorded e, OutboxTrace trace) =>
        new() { EventId = e.EventId, Payload = AuditOutbox.Serialize(e), TraceParent = trace.TraceParent, TraceState = trace.TraceState };
}

/// <summary>
/// The shared audit outbox: its table (<see cref="ConfigureAuditOutbox"/> in a service's model, then a migration), how a
/// service enqueues an event in its current unit of work (<see cref="AddAuditEvent"/> for EF Core,
/// <see cref="InsertCommand"/> for a raw Npgsql batch) and the payload's exact serialization.
/// </summary>
public static class AuditOutbox
{
    public const string Table = "audit_outbox";

    /// <summary>The pub/sub component every service publishes to (the YAML's <c>metadata.name</c>).</summary>
    public const string PubSubComponent = "pubsub";

    public const int MaxErrorLength = 2000;

    /// <summary>camelCase, nulls omitted (the schema allows no nulls), detail keys as given.</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    private const string InsertSql = $"INSERT INTO {Table} (event_id, payload, trace_parent, trace_state) VALUES ($1, $2, $3, $4)";

    /// <summary>The payload as published: exactly what the schema describes.</summary>
    public static string Serialize(AuditRecorded e) => JsonSerializer.Serialize(e, Json);

    /// <summary>
    /// Adds <paramref name="e"/> to the context's current unit of work: it is written by the caller's next
    /// <c>SaveChanges</c>, inside the caller's transaction when there is one, so it commits or rolls back with the action.
    /// An event that breaks the schema is refused here (a bug in the caller), not sent to a dead letter later.
    /// </summary>
    public static void AddAuditEvent(this DbContext db, AuditRecorded e)
    {
        ArgumentNullException.ThrowIfNull(db);
        ThrowIfInvalid(e);
        db.Set<AuditOutboxRow>().Add(AuditOutboxRow.For(e, OutboxTrace.Current));
    }

    /// <summary>The insert of <paramref name="e"/> as a batch command, for code that writes with Npgsql in its own
    /// transaction (the ledger's group commit). After the commit, call <see cref="AuditOutboxSignal.Notify"/> to publish at once.
    /// <paramref name="trace"/> is the context of the request that did the action, captured when it was still current
    /// (a group commit runs on its own loop, for many requests at once).</summary>
    public static NpgsqlBatchCommand InsertCommand(AuditRecorded e, OutboxTrace trace)
    {
        ThrowIfInvalid(e);
        return new NpgsqlBatchCommand(InsertSql)
        {
            Parameters =
            {
                new NpgsqlParameter<Guid> { TypedValue = e.EventId },
                new NpgsqlParameter<string> { TypedValue = Serialize(e), NpgsqlDbType = NpgsqlDbType.Jsonb },
                new NpgsqlParameter { Value = (object?)trace.TraceParent ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text },
                new NpgsqlParameter { Value = (object?)trace.TraceState ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text },
            },
        };
    }

    /// <summary>The <c>audit_outbox</c> table, with explicit column and index names so it is the same table whatever
    /// naming convention the service's model uses. Add it to the service's <c>OnModelCreating</c>, then a migration.</summary>
    public static ModelBuilder ConfigureAuditOutbox(this ModelBuilder model)
    {
        ArgumentNullException.ThrowIfNull(model);
        model.Entity<AuditOutboxRow>(o =>
        {
            o.ToTable(Table);
            o.HasKey(x => x.EventId).HasName("pk_audit_outbox");
            o.Property(x => x.EventId).HasColumnName("event_id").ValueGeneratedNever();
            o.Property(x => x.Payload).HasColumnName("payload").HasColumnType("jsonb");
            o.Property(x => x.EnqueuedAt).HasColumnName("enqueued_at").HasDefaultValueSql("now()");
            o.Property(x => x.Attempts).HasColumnName("attempts").HasDefaultValue(0);
            o.Property(x => x.NextAttemptAt).HasColumnName("next_attempt_at").HasDefaultValueSql("now()");
            o.Property(x => x.LastError).HasColumnName("last_error").HasMaxLength(MaxErrorLength);
            o.Property(x => x.PublishedAt).HasColumnName("published_at");
            o.Property(x => x.TraceParent).HasColumnName("trace_parent").HasMaxLength(OutboxTrace.MaxTraceParentLength);
            o.Property(x => x.TraceState).HasColumnName("trace_state").HasMaxLength(OutboxTrace.MaxTraceStateLength);
            // The relay's claim: unpublished rows in enqueue order (UUIDv7 ids break ties in time order too).
            o.HasIndex(x => new { x.EnqueuedAt, x.EventId }).HasFilter("published_at IS NULL").HasDatabaseName("ix_audit_outbox_pending");
            // The cleanup of rows published longer ago than the retention.
            o.HasIndex(x => x.PublishedAt).HasFilter("published_at IS NOT NULL").HasDatabaseName("ix_audit_outbox_published");
        });
        return model;
    }

    private static void ThrowIfInvalid(AuditRecorded e)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (AuditRecordedRules.Problems(e) is { Count: > 0 } problems)
        {
            throw new ArgumentException($"The audit event {e.EventId} ({e.Action}) breaks audit.recorded.v1: {string.Join("; ", problems)}", nameof(e));
        }
    }
}
