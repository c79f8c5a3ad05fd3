namespace LedgerX.Analytics.Api.Persistence;

// Rows of the read models. Written only by ProjectionWriter's SQL (inserts and counter additions); read by the
// query APIs through EF Core.

/// <summary>An event applied to the read models. Inserted in the same transaction as the changes it made, so an
/// event is applied exactly once however often it is delivered.</summary>
public sealed class ProcessedEventRow
{
    public Guid EventId { get; set; }
    public string Type { get; set; } = "";
    /// <summary><see cref="EventOrigins"/>: what a rebuild may replace.</summary>
    public string Origin { get; set; } = "";
    public DateTimeOffset ProcessedAt { get; set; }
}

public static class EventOrigins
{
    /// <summary>In transaction-service's event log: rebuilt by replaying it.</summary>
    public const string Ledger = "ledger";
    /// <summary>From fraud-service, which keeps no replayable log: kept across rebuilds.</summary>
    public const string Fraud = "fraud";
}

public sealed class BalancePointRow
{
    public Guid AccountId { get; set; }
    public long Sequence { get; set; }
    public DateTimeOffset OccurredAt { get; set; }
    public string Currency { get; set; } = "";
    public long BalanceAfterMinor { get; set; }
    public string EntryKind { get; set; } = "";
}

/// <summary>What one entry debited an account, in its UTC month and category. <see cref="Entries"/> is 1, except for
/// rows carried over from the per-month totals kept before reversals were netted (migration SpendingPerEntry), which
/// stand for that many entries and have a random <see cref="EntryId"/>; a rebuild replaces them with real ones.</summary>
public sealed class SpendingEntryRow
{
    public Guid EntryId { get; set; }
    public Guid AccountId { get; set; }
    public string Currency { get; set; } = "";
    public DateOnly Month { get; set; }
    public string Category { get; set; } = "";
    public long AmountMinor { get; set; }
    public long Entries { get; set; }
}

/// <summary>What a reversal entry gave back (credits minus debits) to an account, against the entry it reverses.</summary>
public sealed class ReversalAdjustmentRow
{
    public Guid EntryId { get; set; }
    public Guid AccountId { get; set; }
    public string Currency { get; set; } = "";
    public Guid ReversesEntryId { get; set; }
    public long NetMinor { get; set; }
}

/// <summary>One line of the spending answer, netted of reversals (a query result, not a table).</summary>
public sealed class SpendingLineRow
{
    public DateOnly Month { get; set; }
    public string Category { get; set; } = "";
    public string Currency { get; set; } = "";
    public long AmountMinor { get; set; }
    public long Entries { get; set; }
}

public sealed class CounterpartyRow
{
    public Guid AccountId { get; set; }
    public Guid CounterpartyId { get; set; }
    public string Currency { get; set; } = "";
    public long SentMinor { get; set; }
    public long ReceivedMinor { get; set; }
    public long Entries { get; set; }
}

public sealed class DailyVolumeRow
{
    public DateOnly Day { get; set; }
    public string Currency { get; set; } = "";
    public string Kind { get; set; } = "";
    public long Entries { get; set; }
    public long AmountMinor { get; set; }
}

public sealed class DailyActivityRow
{
    public DateOnly Day { get; set; }
    public string Activity { get; set; } = "";
    public long Events { get; set; }
}

public sealed class AlertCountRow
{
    public Guid AccountId { get; set; }
    public DateOnly Day { get; set; }
    public long Alerts { get; set; }
    public decimal MaxScore { get; set; }
}

/// <summary>An account's owner, from account.opened.v1.</summary>
public sealed class AccountOwnerRow
{
    public Guid AccountId { get; set; }
    public string OwnerId { get; set; } = "";
}
