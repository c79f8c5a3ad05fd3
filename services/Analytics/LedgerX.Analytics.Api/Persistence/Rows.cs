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

public sealed class MonthlySpendingRow
{
    public Guid AccountId { get; set; }
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
