namespace LedgerX.Fraud.Api.Events;

// fraud-service's own view of the ledger's events: only the fields it reads (the publisher owns the full schema).
// Fields are nullable so that a payload missing one is recognised as malformed instead of defaulting to zero.

/// <summary>transaction.posted.v1, as fraud-service reads it.</summary>
public sealed record TransactionPosted(Guid? EventId, DateTimeOffset? OccurredAt, Guid? EntryId, string? Kind, IReadOnlyList<PostedLine>? Postings)
{
    public bool IsComplete =>
        EventId is not null && OccurredAt is not null && EntryId is not null && !string.IsNullOrEmpty(Kind) && Postings is { Count: >= 2 }
        && Postings.All(p => p.AccountId is not null && p.Direction is "debit" or "credit" && p.Amount > 0 && !string.IsNullOrEmpty(p.Currency));
}

public sealed record PostedLine(Guid? AccountId, string? Direction, long? Amount, string? Currency);

/// <summary>hold.created.v1, as fraud-service reads it. <see cref="ReversalId"/> is optional in the schema (set only on a
/// reversal saga's hold), so it is not part of <see cref="IsComplete"/>.</summary>
public sealed record HoldCreated(Guid? EventId, DateTimeOffset? OccurredAt, Guid? HoldId, Guid? AccountId, Guid? ToAccountId, long? Amount, string? Currency,
    Guid? ReversalId = null)
{
    public bool IsComplete =>
        EventId is not null && OccurredAt is not null && HoldId is not null && AccountId is not null && ToAccountId is not null && Amount > 0
        && !string.IsNullOrEmpty(Currency);
}

/// <summary>account.opened.v1, as fraud-service reads it: who owns the account, so a customer sees only their own accounts'
/// alerts and risk profiles.</summary>
public sealed record AccountOpened(Guid? EventId, DateTimeOffset? OccurredAt, Guid? AccountId, string? OwnerId)
{
    public const int MaxOwnerIdLength = 128;

    public bool IsComplete =>
        EventId is not null && OccurredAt is not null && AccountId is not null && OwnerId is { Length: > 0 and <= MaxOwnerIdLength };
}
