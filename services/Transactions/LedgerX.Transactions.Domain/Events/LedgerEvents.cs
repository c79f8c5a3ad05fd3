namespace LedgerX.Transactions.Domain.Events;

// The ledger's events: the append-only log is made of them, balances are recomputed from them (verify),
// and they are published through the outbox. They are contracts, so they carry primitives only
// (Guid, string, long), never domain types whose shape might change. Each has a JSON Schema in
// contracts/events/ named after its topic.

/// <summary>Common envelope of every ledger event.</summary>
public abstract record LedgerEvent
{
    /// <summary>UUIDv7; the CloudEvent id when published, and what consumers deduplicate on.</summary>
    public required Guid EventId { get; init; }
    public required DateTimeOffset OccurredAt { get; init; }
    /// <summary>Position in the ledger's event log (gapless, from 1). Assigned when the event is appended.</summary>
    public long Sequence { get; init; }
}

public sealed record AccountOpened : LedgerEvent
{
    public required Guid AccountId { get; init; }
    public required string OwnerId { get; init; }
    public required string Currency { get; init; }
    /// <summary>"customer" or "world" (the outside world's side of deposits and withdrawals).</summary>
    public required string Kind { get; init; }
    public required long OverdraftLimit { get; init; }
    public required IReadOnlyDictionary<string, string> Metadata { get; init; }
}

public sealed record AccountFrozen : LedgerEvent
{
    public required Guid AccountId { get; init; }
    public required string Reason { get; init; }
}

public sealed record AccountUnfrozen : LedgerEvent
{
    public required Guid AccountId { get; init; }
}

public sealed record AccountClosed : LedgerEvent
{
    public required Guid AccountId { get; init; }
}

/// <summary>A journal entry was posted. Postings sum to zero per currency.</summary>
public sealed record TransactionPosted : LedgerEvent
{
    public required Guid EntryId { get; init; }
    /// <summary>deposit, withdrawal, transfer, journal, hold_post or reversal.</summary>
    public required string Kind { get; init; }
    public string? Description { get; init; }
    public string? Category { get; init; }
    public required IReadOnlyDictionary<string, string> Metadata { get; init; }
    public Guid? ReversesEntryId { get; init; }
    public Guid? HoldId { get; init; }
    public required IReadOnlyList<PostingLine> Postings { get; init; }
}

/// <summary>One side of an entry. <see cref="BalanceAfter"/> is the account's ledger balance right after this posting.</summary>
public sealed record PostingLine(Guid AccountId, string Direction, long Amount, string Currency, long BalanceAfter);

public sealed record HoldCreated : LedgerEvent
{
    public required Guid HoldId { get; init; }
    public required Guid AccountId { get; init; }
    public required Guid ToAccountId { get; init; }
    public required long Amount { get; init; }
    public required string Currency { get; init; }
    public required DateTimeOffset ExpiresAt { get; init; }
    public string? Description { get; init; }
    /// <summary>The reversal whose saga made this hold (absent for a client's hold): the funds go back to the payer of
    /// a reversed entry, so the hold is not the account holder's spending, and only that reversal may void or take it.</summary>
    public Guid? ReversalId { get; init; }
}

public sealed record HoldPosted : LedgerEvent
{
    public required Guid HoldId { get; init; }
    public required Guid AccountId { get; init; }
    public required Guid ToAccountId { get; init; }
    public required long Amount { get; init; }
    /// <summary>The part of the hold that was not posted and went back to the available balance.</summary>
    public required long ReleasedAmount { get; init; }
    public required string Currency { get; init; }
    public required Guid EntryId { get; init; }
}

public sealed record HoldVoided : LedgerEvent
{
    public required Guid HoldId { get; init; }
    public required Guid AccountId { get; init; }
    public required long Amount { get; init; }
    public required string Currency { get; init; }
}

public sealed record HoldExpired : LedgerEvent
{
    public required Guid HoldId { get; init; }
    public required Guid AccountId { get; init; }
    public required long Amount { get; init; }
    public required string Currency { get; init; }
}

/// <summary>A reversal of (part of) an entry was requested; the saga that performs it starts from this.</summary>
public sealed record ReversalRequested : LedgerEvent
{
    public required Guid ReversalId { get; init; }
    /// <summary>The entry to reverse.</summary>
    public required Guid EntryId { get; init; }
    /// <summary>The account that received the money and gives it back.</summary>
    public required Guid AccountId { get; init; }
    /// <summary>The account that paid and gets the money back.</summary>
    public required Guid CounterpartyAccountId { get; init; }
    public required long Amount { get; init; }
    public required string Currency { get; init; }
    public required string Reason { get; init; }
    public required bool RequiresApproval { get; init; }
}

/// <summary>The reversal saga posted its reversing entry.</summary>
public sealed record ReversalCompleted : LedgerEvent
{
    public required Guid ReversalId { get; init; }
    public required Guid EntryId { get; init; }
    public required Guid ReversalEntryId { get; init; }
    public required long Amount { get; init; }
    public required string Currency { get; init; }
}

/// <summary>The reversal saga gave up; whatever it had done was compensated, in the listed order.</summary>
public sealed record ReversalFailed : LedgerEvent
{
    public required Guid ReversalId { get; init; }
    public required Guid EntryId { get; init; }
    public required string Reason { get; init; }
    public required IReadOnlyList<string> Compensations { get; init; }
}
