namespace LedgerX.Analytics.Api.Projections;

/// <summary>What one event adds to the read models. Every change is an insert of a fact or an addition to a counter,
/// so applying events in any order gives the same tables: live delivery (unordered across topics) and a replay of
/// the ledger's log (in sequence order) end equal.</summary>
public sealed record ProjectionChanges
{
    public static readonly ProjectionChanges None = new();

    public IReadOnlyList<BalancePointFact> BalancePoints { get; init; } = [];
    public IReadOnlyList<SpendingIncrement> Spending { get; init; } = [];
    public IReadOnlyList<ReversalAdjustment> ReversalAdjustments { get; init; } = [];
    public IReadOnlyList<CounterpartyIncrement> Counterparties { get; init; } = [];
    public IReadOnlyList<DailyVolumeIncrement> DailyVolumes { get; init; } = [];
    public IReadOnlyList<DailyActivityIncrement> DailyActivity { get; init; } = [];
    public IReadOnlyList<AlertIncrement> Alerts { get; init; } = [];
    public IReadOnlyList<AccountOwnerFact> Owners { get; init; } = [];

    /// <summary>The accounts whose answers this event changes (their cached answers are invalidated).</summary>
    public IReadOnlyList<Guid> AccountsTouched { get; init; } = [];
}

/// <summary>An account's ledger balance right after the entry at <paramref name="Sequence"/>.</summary>
public sealed record BalancePointFact(Guid AccountId, long Sequence, DateTimeOffset OccurredAt, string Currency, long BalanceAfterMinor, string EntryKind);

/// <summary>Money that left an account in one entry, by calendar month (UTC, first day) and category. Kept per entry so
/// that a reversal of the entry, whenever it comes, takes it back from that month and category.</summary>
public sealed record SpendingIncrement(Guid EntryId, Guid AccountId, DateOnly Month, string Category, string Currency, long AmountMinor);

/// <summary>What a reversal entry (<paramref name="EntryId"/>) gave back to an account on the entry it reverses:
/// credits minus debits, so a refund to the payer is positive, and a compensation (a reversal of the reversal) is
/// negative on the same account and gives the spending back.</summary>
public sealed record ReversalAdjustment(Guid EntryId, Guid ReversesEntryId, Guid AccountId, string Currency, long NetMinor);

/// <summary>Money between an account and one other account of a two-sided entry.</summary>
public sealed record CounterpartyIncrement(Guid AccountId, Guid CounterpartyId, string Currency, long SentMinor, long ReceivedMinor);

/// <summary>One entry's movement on a UTC day: the sum of its debits (equal to its credits) in one currency.</summary>
public sealed record DailyVolumeIncrement(DateOnly Day, string Currency, string Kind, long AmountMinor);

/// <summary>One hold or reversal event on a UTC day.</summary>
public sealed record DailyActivityIncrement(DateOnly Day, string Activity);

/// <summary>One fraud alert for an account on a UTC day.</summary>
public sealed record AlertIncrement(Guid AccountId, DateOnly Day, decimal Score);

/// <summary>Who owns an account (immutable in the ledger): what the object-level checks compare the token's subject with.</summary>
public sealed record AccountOwnerFact(Guid AccountId, string OwnerId);
