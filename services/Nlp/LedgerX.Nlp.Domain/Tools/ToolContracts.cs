using LedgerX.Nlp.Domain.Questions;

namespace LedgerX.Nlp.Domain.Tools;

/// <summary>Who asks. Every tool takes it first and reads only this user's data (the service fills it from the token's
/// `sub`, never from the question), so a tool that forgot the check would not compile.</summary>
public sealed record Asker(string UserId, TimeZoneInfo Zone);

/// <summary>One of the asker's accounts.</summary>
public sealed record AccountSummary(Guid AccountId, string Name, string Last4, string Currency);

/// <summary>One ledger entry as the tools report it. Amount is signed: negative leaves the account.</summary>
public sealed record TransactionRow(
    Guid EntryId, Guid AccountId, DateTimeOffset OccurredAt, Money Amount, string Description, string Counterparty, string Category);

// ---- analytics read models ----
public sealed record SpendingByCategoryRequest(Period Period, string? Category, string? Counterparty, Guid? AccountId);
/// <summary>Total is the money spent (positive), per category and currency, with the entries summed.</summary>
public sealed record CategoryTotal(string Category, Money Total, int Count, IReadOnlyList<Guid> EntryIds);
public sealed record SpendingByCategoryResult(IReadOnlyList<CategoryTotal> Rows);

public sealed record IncomeVsSpendingRequest(Period Period, Guid? AccountId);
public sealed record IncomeSpending(Money Income, Money Spending, Money Net, IReadOnlyList<Guid> EntryIds);
public sealed record IncomeVsSpendingResult(IReadOnlyList<IncomeSpending> PerCurrency);

public sealed record TopCounterpartiesRequest(Period Period, int Count, Guid? AccountId);
public sealed record CounterpartyTotal(string Counterparty, Money Total, int Count, IReadOnlyList<Guid> EntryIds);
public sealed record TopCounterpartiesResult(IReadOnlyList<CounterpartyTotal> Rows);

public sealed record MonthOverMonthRequest(Period Current, Period Previous, string? Category, Guid? AccountId);
public sealed record PeriodComparison(Money Current, Money Previous, Money Change, IReadOnlyList<Guid> EntryIds);
public sealed record MonthOverMonthResult(IReadOnlyList<PeriodComparison> PerCurrency);

// ---- ledger history ----
public sealed record BalanceAtRequest(DateTimeOffset At, Guid? AccountId);
public sealed record AccountBalance(Guid AccountId, string AccountName, Money Balance, Guid? LastEntryId);
public sealed record BalanceAtResult(IReadOnlyList<AccountBalance> Accounts);

public sealed record LargestTransactionsRequest(
    Period Period, int Count, AmountThreshold? MinAmount, string? Category, string? Counterparty, Guid? AccountId);
public sealed record TransactionListResult(IReadOnlyList<TransactionRow> Rows);

// ---- fraud explanations ----
public sealed record UnusualTransactionsRequest(Period Period, int Count, Guid? AccountId);
public sealed record FlagExplanation(Guid FlagId, TransactionRow Transaction, int Score, DateTimeOffset FlaggedAt, IReadOnlyList<string> Reasons);
public sealed record UnusualTransactionsResult(IReadOnlyList<FlagExplanation> Rows);
/// <summary>RecordId is a flag id or an entry id; null asks about the asker's most recent flag.</summary>
public sealed record WhyFlaggedRequest(Guid? RecordId);

// ---- reversal status ----
/// <summary>ReversalId may also be the id of the entry reversed; null asks about the most recent reversal.</summary>
public sealed record ReversalStatusRequest(Guid? ReversalId);
public sealed record ReversalStatus(
    Guid ReversalId, Guid OriginalEntryId, string Status, Money Amount, DateTimeOffset RequestedAt, DateTimeOffset? CompletedAt, string? FailureReason);

/// <summary>analytics-service's read models (spending, income, counterparties, comparisons).</summary>
public interface IAnalyticsTools
{
    Task<SpendingByCategoryResult> SpendingByCategoryAsync(Asker asker, SpendingByCategoryRequest request, CancellationToken ct);
    Task<IncomeVsSpendingResult> IncomeVsSpendingAsync(Asker asker, IncomeVsSpendingRequest request, CancellationToken ct);
    Task<TopCounterpartiesResult> TopCounterpartiesAsync(Asker asker, TopCounterpartiesRequest request, CancellationToken ct);
    Task<MonthOverMonthResult> MonthOverMonthAsync(Asker asker, MonthOverMonthRequest request, CancellationToken ct);
}

/// <summary>transaction-service's ledger history.</summary>
public interface ILedgerTools
{
    /// <summary>Null when no account of the asker matches (another user's account answers null too).</summary>
    Task<AccountSummary?> ResolveAccountAsync(Asker asker, AccountReference reference, CancellationToken ct);
    Task<BalanceAtResult> BalanceAtAsync(Asker asker, BalanceAtRequest request, CancellationToken ct);
    Task<TransactionListResult> LargestTransactionsAsync(Asker asker, LargestTransactionsRequest request, CancellationToken ct);
}

/// <summary>fraud-service's assessments.</summary>
public interface IFraudTools
{
    Task<UnusualTransactionsResult> UnusualTransactionsAsync(Asker asker, UnusualTransactionsRequest request, CancellationToken ct);
    /// <summary>Null when the asker has no such flag.</summary>
    Task<FlagExplanation?> WhyFlaggedAsync(Asker asker, WhyFlaggedRequest request, CancellationToken ct);
}

/// <summary>transaction-service's reversal workflow.</summary>
public interface IReversalTools
{
    /// <summary>Null when the asker has no such reversal.</summary>
    Task<ReversalStatus?> ReversalStatusAsync(Asker asker, ReversalStatusRequest request, CancellationToken ct);
}

/// <summary>The fixed set of tools a question may use; a model given tool calling sees exactly these.</summary>
public sealed record NlpTools(IAnalyticsTools Analytics, ILedgerTools Ledger, IFraudTools Fraud, IReversalTools Reversals);
