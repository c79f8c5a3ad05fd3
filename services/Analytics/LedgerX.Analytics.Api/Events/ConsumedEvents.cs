namespace LedgerX.Analytics.Api.Events;

// The events analytics-service reads, each with only the fields it uses: unknown fields are ignored, so the
// publishers can add fields without breaking this consumer. Every one carries the publisher's EventId, which is
// also the CloudEvent id; that is what deduplication keys on.

/// <summary>Base of everything the projections apply.</summary>
public abstract record ConsumedEvent
{
    public required Guid EventId { get; init; }
    public required DateTimeOffset OccurredAt { get; init; }
}

/// <summary>transaction.posted.v1: a journal entry and the balance each posting left behind.</summary>
public sealed record TransactionPosted : ConsumedEvent
{
    /// <summary>Position in the ledger's event log; orders an account's balance points.</summary>
    public required long Sequence { get; init; }
    /// <summary>Keys the entry's spending, so that a later reversal of it can take that spending back.</summary>
    public required Guid EntryId { get; init; }
    public required string Kind { get; init; }
    /// <summary>On a reversal (and on a compensation, which reverses a reversal): the entry it reverses.</summary>
    public Guid? ReversesEntryId { get; init; }
    public string? Category { get; init; }
    public required IReadOnlyList<PostingLine> Postings { get; init; }
}

public sealed record PostingLine(Guid AccountId, string Direction, long Amount, string Currency, long BalanceAfter)
{
    public const string Debit = "debit";
    public const string Credit = "credit";
}

/// <summary>hold.created.v1, hold.posted.v1, hold.voided.v1 and hold.expired.v1: counted per day. The fields read
/// are the ones all four share.</summary>
public sealed record HoldChanged : ConsumedEvent
{
    public required Guid AccountId { get; init; }
}

/// <summary>reversal.requested.v1, reversal.completed.v1, reversal.failed.v1: counted per day; nothing else is read.</summary>
public sealed record ReversalChanged : ConsumedEvent;

/// <summary>account.opened.v1: who owns the account, so a customer reads only their own accounts' analytics.</summary>
public sealed record AccountOpened : ConsumedEvent
{
    public const int MaxOwnerIdLength = 128;

    public required Guid AccountId { get; init; }
    public required string OwnerId { get; init; }
}

/// <summary>fraud.flagged.v1 (owned by fraud-service): only the account, the score and the time are read.</summary>
public sealed record FraudFlagged : ConsumedEvent
{
    public required Guid AccountId { get; init; }
    public required decimal Score { get; init; }
}
