namespace LedgerX.Analytics.Api.Apis;

// Response records of the query API. Amounts are integers in minor units of their currency; days and months are
// UTC calendar days ("2026-11-28") and months ("2026-11").

public sealed record Page<T>(IReadOnlyList<T> Items, string? NextCursor);

public sealed record BalancePoint(long Sequence, DateTimeOffset OccurredAt, string Currency, long BalanceMinor, string EntryKind);

public sealed record SpendingLine(string Month, string Category, string Currency, long AmountMinor, long Entries);

public sealed record SpendingReport(Guid AccountId, string FromMonth, string ToMonth, IReadOnlyList<SpendingLine> Items);

public sealed record Counterparty(Guid CounterpartyId, string Currency, long SentMinor, long ReceivedMinor, long Entries);

public sealed record CounterpartiesReport(Guid AccountId, IReadOnlyList<Counterparty> Items);

public sealed record AccountAlertDay(DateOnly Day, long Alerts, decimal MaxScore);

public sealed record AccountAlertsReport(Guid AccountId, long TotalAlerts, decimal? MaxScore, IReadOnlyList<AccountAlertDay> Days);

public sealed record DailyVolume(DateOnly Day, string Currency, string Kind, long Entries, long AmountMinor);

public sealed record DailyActivity(DateOnly Day, string Activity, long Events);

public sealed record DailyAlerts(DateOnly Day, long Alerts, long Accounts, decimal MaxScore);

public sealed record DailyReport<T>(DateOnly From, DateOnly To, IReadOnlyList<T> Items);
