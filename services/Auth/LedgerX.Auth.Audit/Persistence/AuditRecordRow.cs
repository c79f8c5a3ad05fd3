namespace LedgerX.Auth.Audit.Persistence;

/// <summary>
/// One appended audit event: every field of audit.recorded.v1, its place in the log (gapless <see cref="Sequence"/>
/// from 1) and its link in the hash chain. Rows are never updated or deleted (database triggers refuse it).
/// </summary>
public sealed class AuditRecordRow
{
    public long Sequence { get; init; }
    public Guid EventId { get; init; }

    /// <summary>As the producer said, truncated to PostgreSQL's microseconds so the stored value is the hashed value.</summary>
    public DateTimeOffset OccurredAt { get; init; }
    public required string Source { get; init; }
    public required string ActorType { get; init; }
    public required string ActorId { get; init; }
    public required string Action { get; init; }
    public string? SubjectType { get; init; }
    public string? SubjectId { get; init; }
    public required string Outcome { get; init; }

    /// <summary>A JSON object of strings, stored as jsonb; hashed in canonical form (keys sorted), so jsonb's own key
    /// order does not matter.</summary>
    public string? Details { get; init; }
    public string? TraceId { get; init; }

    /// <summary>When the audit log appended it (its own clock, microseconds).</summary>
    public DateTimeOffset RecordedAt { get; init; }
    public required byte[] PreviousHash { get; init; }
    public required byte[] Hash { get; init; }
}

/// <summary>The chain's head: the last sequence and its hash. One row (id 1), locked FOR UPDATE by each append, so
/// appends are one at a time and the chain stays linear whatever the number of concurrent deliveries or replicas.</summary>
public sealed class AuditChainHeadRow
{
    public const int SingletonId = 1;

    public int Id { get; init; }
    public long Sequence { get; set; }
    public required byte[] Hash { get; set; }
}
