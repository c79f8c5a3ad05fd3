namespace LedgerX.Nlp.Api.Tools;

/// <summary>The tools' names as recorded with an answer (<c>ToolCallRecord.Tool</c>) and as a model sees them.</summary>
public static class ToolNames
{
    public const string SpendingByCategory = "spending_by_category";
    public const string IncomeVsSpending = "income_vs_spending";
    public const string TopCounterparties = "top_counterparties";
    public const string MonthOverMonth = "month_over_month";
    public const string ResolveAccount = "resolve_account";
    public const string BalanceAt = "balance_at";
    public const string LargestTransactions = "largest_transactions";
    public const string UnusualTransactions = "unusual_transactions";
    public const string WhyFlagged = "why_flagged";
    public const string ReversalStatus = "reversal_status";
}
