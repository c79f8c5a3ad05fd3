namespace LedgerX.Fraud.Domain;

public enum MovementDirection
{
    Inflow,
    Outflow,
}

/// <summary>
/// One movement of money on one customer account, as fraud-service sees it: derived from a posted journal entry or
/// a created hold. <see cref="Counterparty"/> is the other account, or null when the other side is the outside world
/// (deposits, withdrawals). Amounts are minor units; statistics over them may be approximate, money never is.
/// </summary>
public sealed record Movement
{
    public required Guid EventId { get; init; }
    public required Guid AccountId { get; init; }
    public required MovementDirection Direction { get; init; }
    public required long Amount { get; init; }
    public required string Currency { get; init; }
    public string? Counterparty { get; init; }
    public required DateTimeOffset OccurredAt { get; init; }

    public bool IsOutflow => Direction == MovementDirection.Outflow;
}
