namespace LedgerX.Transactions.Domain;

/// <summary>An amount in minor units (cents, pence, yen) of one currency. Never a floating-point number.</summary>
public readonly record struct Money(long Amount, Currency Currency)
{
    /// <summary>The largest single amount the ledger accepts (10^15 minor units, 10 trillion EUR). Bounding every
    /// amount keeps all sums of a batch far away from <see cref="long.MaxValue"/>, so overflow cannot happen
    /// silently; arithmetic on balances is checked on top of that.</summary>
    public const long MaxAmount = 1_000_000_000_000_000;

    /// <summary>A strictly positive amount within <see cref="MaxAmount"/>, or a validation error naming <paramref name="field"/>.</summary>
    public static Money Positive(long amount, Currency currency, string field = "amount")
    {
        Currency.EnsureDefined(currency);
        if (amount <= 0)
        {
            throw new LedgerRuleException(LedgerError.Validation(field, "The amount must be greater than zero (minor units)."));
        }
        if (amount > MaxAmount)
        {
            throw new LedgerRuleException(LedgerError.Validation(field, $"The amount must not exceed {MaxAmount} minor units."));
        }
        return new Money(amount, currency);
    }

    public override string ToString() => $"{Amount} {Currency}";
}
