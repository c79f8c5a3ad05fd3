namespace LedgerX.Notifications.Api.Intake;

// notification-service's own view of the events it consumes: only the fields it reads (the publishers own the schemas in
// contracts/events/). Fields are nullable so that a payload missing one is recognised as malformed (DROP) instead of
// defaulting to zero.

/// <summary>account.opened.v1: who owns the account (world accounts are the ledger's own and notify nobody).</summary>
public sealed record AccountOpened(Guid? EventId, DateTimeOffset? OccurredAt, Guid? AccountId, string? OwnerId, string? Currency, string? Kind)
{
    public const int MaxOwnerIdLength = 128;
    public const string WorldKind = "world";

    public bool IsComplete =>
        EventId is not null && OccurredAt is not null && AccountId is not null && OwnerId is { Length: > 0 and <= MaxOwnerIdLength }
        && !string.IsNullOrEmpty(Kind);
}

public sealed record TransactionPosted(
    Guid? EventId, DateTimeOffset? OccurredAt, Guid? EntryId, string? Kind, string? Description, IReadOnlyList<PostedLine>? Postings)
{
    public bool IsComplete =>
        EventId is not null && OccurredAt is not null && EntryId is not null && !string.IsNullOrEmpty(Kind) && Postings is { Count: >= 2 }
        && Postings.All(p => p.AccountId is not null && p.Direction is "debit" or "credit" && p.Amount > 0 && !string.IsNullOrEmpty(p.Currency));
}

public sealed record PostedLine(Guid? AccountId, string? Direction, long? Amount, string? Currency, long? BalanceAfter);

/// <summary>hold.created/posted/voided/expired.v1: the payer's account and the amount (the payee learns of a posted hold
/// from the transaction.posted.v1 of its entry).</summary>
public sealed record HoldEvent(
    Guid? EventId, DateTimeOffset? OccurredAt, Guid? HoldId, Guid? AccountId, Guid? ToAccountId, long? Amount, string? Currency,
    DateTimeOffset? ExpiresAt, string? Description, Guid? EntryId)
{
    public bool IsComplete =>
        EventId is not null && OccurredAt is not null && HoldId is not null && AccountId is not null && Amount > 0 && !string.IsNullOrEmpty(Currency);
}

/// <summary>reversal.requested.v1: names both parties; completed/failed name only the reversal, so intake remembers them.</summary>
public sealed record ReversalRequested(
    Guid? EventId, DateTimeOffset? OccurredAt, Guid? ReversalId, Guid? EntryId, Guid? AccountId, Guid? CounterpartyAccountId,
    long? Amount, string? Currency, string? Reason)
{
    public bool IsComplete =>
        EventId is not null && OccurredAt is not null && ReversalId is not null && EntryId is not null && AccountId is not null
        && CounterpartyAccountId is not null && Amount > 0 && !string.IsNullOrEmpty(Currency);
}

/// <summary>reversal.completed.v1 and reversal.failed.v1 (amount only on completed, reason only on failed).</summary>
public sealed record ReversalEnded(
    Guid? EventId, DateTimeOffset? OccurredAt, Guid? ReversalId, Guid? EntryId, long? Amount, string? Currency, string? Reason)
{
    public bool IsComplete => EventId is not null && OccurredAt is not null && ReversalId is not null && EntryId is not null;
}

/// <summary>account.frozen.v1 and account.unfrozen.v1.</summary>
public sealed record AccountFreezeChanged(Guid? EventId, DateTimeOffset? OccurredAt, Guid? AccountId, string? Reason)
{
    public bool IsComplete => EventId is not null && OccurredAt is not null && AccountId is not null;
}

public sealed record FraudFlagged(
    Guid? EventId, DateTimeOffset? OccurredAt, Guid? AlertId, Guid? AccountId, int? Score, long? Amount, string? Currency, string? Action)
{
    public bool IsComplete =>
        EventId is not null && OccurredAt is not null && AlertId is not null && AccountId is not null && Amount is not null
        && !string.IsNullOrEmpty(Currency);
}

/// <summary>auth.account_message.v1: a link a user must receive by e-mail (kind confirm_email or reset_password).</summary>
public sealed record AccountMessage(Guid? EventId, DateTimeOffset? OccurredAt, string? Kind, Guid? UserId, string? Email, string? Token)
{
    public const string ConfirmEmail = "confirm_email";
    public const string ResetPassword = "reset_password";

    public bool IsComplete =>
        EventId is not null && OccurredAt is not null && Kind is ConfirmEmail or ResetPassword && UserId is not null
        && !string.IsNullOrEmpty(Email) && !string.IsNullOrEmpty(Token);
}

/// <summary>auth.user_contact.v1: where a user can be reached (schema contracts/events/auth.user_contact.v1.schema.json).</summary>
public sealed record UserContact(Guid? EventId, DateTimeOffset? OccurredAt, string? UserId, string? Email, bool? EmailConfirmed, string? PhoneNumber)
{
    public bool IsComplete =>
        EventId is not null && OccurredAt is not null && UserId is { Length: > 0 and <= AccountOpened.MaxOwnerIdLength } && EmailConfirmed is not null;
}

/// <summary>audit.recorded.v1, only what picks the security events a user should hear about.</summary>
public sealed record AuditRecorded(
    Guid? EventId, DateTimeOffset? OccurredAt, string? Source, string? Action, string? Outcome, AuditSubject? Subject,
    IReadOnlyDictionary<string, string>? Details)
{
    public bool IsComplete => EventId is not null && OccurredAt is not null && !string.IsNullOrEmpty(Source) && !string.IsNullOrEmpty(Action);
}

public sealed record AuditSubject(string? Type, string? Id);
