namespace LedgerX.Transactions.Api.Infrastructure.Persistence;

// Table rows. The domain objects are not mapped directly: rows are written in bulk by the LedgerWriter with plain
// SQL, and read by queries through EF Core. EF Core owns the schema (migrations) and the read side.

/// <summary>Current state of an account: a projection of the event log, checked against it by verify.</summary>
public sealed class AccountRow
{
    public Guid Id { get; set; }
    public required string OwnerId { get; set; }
    public required string Currency { get; set; }
    public required string Kind { get; set; }
    public required string Status { get; set; }
    public long OverdraftLimit { get; set; }
    public long Balance { get; set; }
    public long Held { get; set; }
    public required string Metadata { get; set; }
    public DateTimeOffset OpenedAt { get; set; }
    public long Version { get; set; }
}

public sealed class JournalEntryRow
{
    public Guid Id { get; set; }
    public long Sequence { get; set; }
    public required string Kind { get; set; }
    public string? Description { get; set; }
    public string? Category { get; set; }
    public required string Metadata { get; set; }
    public Guid? ReversesEntryId { get; set; }
    public Guid? HoldId { get; set; }
    public DateTimeOffset PostedAt { get; set; }
    public List<PostingRow> Postings { get; set; } = [];
}

public sealed class PostingRow
{
    public Guid EntryId { get; set; }
    public int Line { get; set; }
    public Guid AccountId { get; set; }
    public required string Direction { get; set; }
    public long Amount { get; set; }
    public required string Currency { get; set; }
    public long BalanceAfter { get; set; }
    /// <summary>The entry's log sequence, repeated here so an account's history is one index range scan.</summary>
    public long Sequence { get; set; }
    public DateTimeOffset PostedAt { get; set; }
}

public sealed class HoldRow
{
    public Guid Id { get; set; }
    public Guid AccountId { get; set; }
    public Guid ToAccountId { get; set; }
    public long Amount { get; set; }
    public required string Currency { get; set; }
    public required string Status { get; set; }
    public long PostedAmount { get; set; }
    public Guid? EntryId { get; set; }
    public string? Description { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }
    public DateTimeOffset? ClosedAt { get; set; }
    /// <summary>The reversal whose saga made the hold (null for a client's hold); from hold.created.v1, checked by verify.</summary>
    public Guid? ReversalId { get; set; }
}

/// <summary>One event of the append-only, hash-chained log. <see cref="Payload"/> is stored as PostgreSQL
/// <c>json</c> (not jsonb) because the chain hashes its exact bytes.</summary>
public sealed class EventRow
{
    public long Sequence { get; set; }
    public Guid EventId { get; set; }
    public required string Type { get; set; }
    public DateTimeOffset OccurredAt { get; set; }
    public required string Payload { get; set; }
    public required byte[] PrevHash { get; set; }
    public required byte[] Hash { get; set; }
}

/// <summary>The single row that says where the log ends. Writers lock it, which orders all appends.</summary>
public sealed class LedgerHeadRow
{
    public int Id { get; set; }
    public long Sequence { get; set; }
    public required byte[] Hash { get; set; }
}

/// <summary>An event waiting to be (or already) published. Written in the same transaction as the event.</summary>
public sealed class OutboxRow
{
    public long Sequence { get; set; }
    public required string Topic { get; set; }
    public int Attempts { get; set; }
    public DateTimeOffset NextAttemptAt { get; set; }
    public string? LastError { get; set; }
    public DateTimeOffset? SentAt { get; set; }

    /// <summary>The W3C context of the request that caused the event; the relay publishes under it (ADR 0023).</summary>
    public string? TraceParent { get; set; }

    public string? TraceState { get; set; }
}

/// <summary>The first response to a request made with an Idempotency-Key, replayed to every retry.</summary>
public sealed class IdempotencyRow
{
    /// <summary>Whose key it is (ADR 0005): <c>client:anonymous</c>, <c>app:fraud-service</c>, <c>internal:reversal-saga</c>, ...</summary>
    public required string Scope { get; set; }
    public required string Key { get; set; }
    public required byte[] RequestHash { get; set; }
    public int StatusCode { get; set; }
    public required byte[] ResponseBody { get; set; }
    /// <summary>The Location header of a 201, replayed with the body.</summary>
    public string? ResponseLocation { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }
}

/// <summary>A reversal and the progress of its saga: created and finished by the ledger's events (in the writer's
/// transaction), its steps recorded by the saga's activities as they run.</summary>
public sealed class ReversalRow
{
    public Guid Id { get; set; }
    public Guid EntryId { get; set; }
    public Guid AccountId { get; set; }
    public Guid CounterpartyAccountId { get; set; }
    public long Amount { get; set; }
    public required string Currency { get; set; }
    public required string Reason { get; set; }
    public bool RequiresApproval { get; set; }
    /// <summary>pending, awaiting_approval, completed or failed.</summary>
    public required string Status { get; set; }
    /// <summary>JSON object: step name → { outcome, detail, startedAt, finishedAt }.</summary>
    public required string Steps { get; set; }
    public string? FailureReason { get; set; }
    /// <summary>JSON array of the compensations that ran, in order.</summary>
    public required string Compensations { get; set; }
    public Guid? ReversalEntryId { get; set; }
    public DateTimeOffset RequestedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    /// <summary>approved or rejected, once an approver decided: recorded before the saga hears of it, so exactly one
    /// decision wins and a decision the saga could not be told (sidecar away) is re-delivered by the sweeper.</summary>
    public string? Decision { get; set; }
    public string? DecidedBy { get; set; }
    public DateTimeOffset? DecidedAt { get; set; }
    /// <summary>When the sweeper last looked at this unfinished reversal's saga (it waits before looking again).</summary>
    public DateTimeOffset? SagaCheckedAt { get; set; }
}
