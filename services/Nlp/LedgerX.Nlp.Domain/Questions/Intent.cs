namespace LedgerX.Nlp.Domain.Questions;

/// <summary>What a question asks for. The set is closed: a question outside it is refused, never approximated.</summary>
public enum Intent
{
    SpendingByCategory,
    IncomeVsSpending,
    BalanceAtDate,
    LargestTransactions,
    UnusualTransactions,
    TopCounterparties,
    MonthOverMonth,
    WhyFlagged,
    ReversalStatus,
    Unsupported,
}

/// <summary>The stable wire names (snake_case) of the intents; the evaluation set and the API use these, not CLR names.</summary>
public static class IntentNames
{
    private static readonly Dictionary<Intent, string> Names = new()
    {
        [Intent.SpendingByCategory] = "spending_by_category",
        [Intent.IncomeVsSpending] = "income_vs_spending",
        [Intent.BalanceAtDate] = "balance_at_date",
        [Intent.LargestTransactions] = "largest_transactions",
        [Intent.UnusualTransactions] = "unusual_transactions",
        [Intent.TopCounterparties] = "top_counterparties",
        [Intent.MonthOverMonth] = "month_over_month",
        [Intent.WhyFlagged] = "why_flagged",
        [Intent.ReversalStatus] = "reversal_status",
        [Intent.Unsupported] = "unsupported",
    };

    public static string Name(this Intent intent) => Names[intent];

    public static Intent Parse(string name) =>
        Names.First(pair => pair.Value == name).Key;
}
