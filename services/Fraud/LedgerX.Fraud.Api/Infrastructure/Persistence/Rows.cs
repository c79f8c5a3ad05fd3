namespace LedgerX.Fraud.Api.Infrastructure.Persistence;

/// <summary>A stored alert: one scored movement at or above the alert threshold, with its reasons and what was done.</summary>
public sealed class AlertRow
{
    public Guid Id { get; set; }
    /// <summary>The consumed event (CloudEvent id) that produced the alert.</summary>
    public Guid EventId { get; set; }
    public required string Topic { get; set; }
    public Guid AccountId { get; set; }
    public Guid? EntryId { get; set; }
    public Guid? HoldId { get; set; }
    public required string Direction { get; set; }
    public long Amount { get; set; }
    public required string Currency { get; set; }
    public string? Counterparty { get; set; }
    public int Score { get; set; }
    /// <summary>The reasons as JSON (jsonb): rule id, type, points, detail.</summary>
    public required string Reasons { get; set; }
    public DateTimeOffset OccurredAt { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public required string Status { get; set; }
    public DateTimeOffset? AcknowledgedAt { get; set; }
    public string? AcknowledgedBy { get; set; }
    public string? AcknowledgementNote { get; set; }
    /// <summary>none, freeze or reverse.</summary>
    public required string Action { get; set; }
    /// <summary>not_required, pending, done or failed.</summary>
    public required string ActionStatus { get; set; }
    public int ActionAttempts { get; set; }
    public DateTimeOffset? ActionNextAttemptAt { get; set; }
    public string? ActionLastError { get; set; }
    public DateTimeOffset? ActionCompletedAt { get; set; }
}

public static class AlertStatus
{
    public const string Open = "open";
    public const string Acknowledged = "acknowledged";
}

public static class ActionStatus
{
    public const string NotRequired = "not_required";
    public const string Pending = "pending";
    public const string Done = "done";
    public const string Failed = "failed";
}

/// <summary>A consumed event, written in the same transaction as its alerts: the consumer's idempotency record.</summary>
public sealed class ProcessedEventRow
{
    public Guid EventId { get; set; }
    public required string Topic { get; set; }
    public int Alerts { get; set; }
    public DateTimeOffset ProcessedAt { get; set; }
}

/// <summary>A fraud.flagged.v1 event waiting to be (or already) published; written with its alert.</summary>
public sealed class OutboxRow
{
    public long Id { get; set; }
    public Guid EventId { get; set; }
    public required string Topic { get; set; }
    public required string Payload { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public int Attempts { get; set; }
    public DateTimeOffset NextAttemptAt { get; set; }
    public string? LastError { get; set; }
    public DateTimeOffset? SentAt { get; set; }

    /// <summary>The W3C context current when the row was written; the relay publishes under it (ADR 0023).</summary>
    public string? TraceParent { get; set; }

    public string? TraceState { get; set; }
}

/// <summary>Who owns an account, from account.opened.v1 (ownership never changes): what object-level checks compare the
/// caller's token subject with.</summary>
public sealed class AccountOwnerRow
{
    public Guid AccountId { get; set; }
    public required string OwnerId { get; set; }
    public DateTimeOffset OpenedAt { get; set; }
}
