namespace LedgerX.Auth.Audit.Apis;

// The audit log's HTTP shapes (camelCase JSON). Hashes are lowercase hex.

public sealed record AuditActorResponse(string Type, string Id);

public sealed record AuditSubjectResponse(string Type, string Id);

/// <summary>One record of the log, with its place in the chain.</summary>
public sealed record AuditEventResponse(
    long Sequence, Guid EventId, DateTimeOffset OccurredAt, DateTimeOffset RecordedAt, string Source, AuditActorResponse Actor, string Action,
    AuditSubjectResponse? Subject, string Outcome, IReadOnlyDictionary<string, string>? Details, string? TraceId, string PreviousHash, string Hash);

/// <summary>A page of records; pass <c>next</c> as <c>cursor</c> for the following page (null: no more for now).</summary>
public sealed record AuditEventPage(IReadOnlyList<AuditEventResponse> Items, string? Next);

/// <summary>Where the chain first breaks: <c>reason</c> is sequence_gap, chain_broken, hash_mismatch or head_mismatch.</summary>
public sealed record ChainBreakResponse(long Sequence, string Reason, string Detail);

/// <summary>The verdict of a verification: <c>ok</c>, records checked, the last good record's sequence and hash, and
/// the first break (null when ok).</summary>
public sealed record VerifyResponse(bool Ok, long Count, long HeadSequence, string HeadHash, ChainBreakResponse? FirstBreak);
