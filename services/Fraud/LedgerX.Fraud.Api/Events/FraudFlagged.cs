namespace LedgerX.Fraud.Api.Events;

/// <summary>fraud.flagged.v1: an alert was raised. Schema: contracts/events/fraud.flagged.v1.schema.json.</summary>
public sealed record FraudFlagged
{
    public required Guid EventId { get; init; }
    public required DateTimeOffset OccurredAt { get; init; }
    public required Guid AlertId { get; init; }
    public required Guid AccountId { get; init; }
    public required int Score { get; init; }
    public required IReadOnlyList<FlaggedReason> Reasons { get; init; }
    public required string SourceTopic { get; init; }
    public required Guid SourceEventId { get; init; }
    public Guid? EntryId { get; init; }
    public Guid? HoldId { get; init; }
    public required long Amount { get; init; }
    public required string Currency { get; init; }

    /// <summary>none, freeze or reverse: what fraud-service asked transaction-service to do.</summary>
    public required string Action { get; init; }
}

public sealed record FlaggedReason(string RuleId, string RuleType, int Points, string Detail);
