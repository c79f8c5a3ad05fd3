namespace LedgerX.Transactions.Domain;

/// <summary>
/// Checks the writer runs on a batch's outcome before it commits: the decider already refuses unbalanced entries, and
/// this asserts the result independently (TIGER_STYLE: assert what must hold, not only what is checked on the way in).
/// </summary>
public static class LedgerInvariants
{
    /// <summary>Each account's balance, to compare with after a batch (<see cref="CurrencyDrift"/>).</summary>
    public static Dictionary<AccountId, long> Balances(IEnumerable<Account> accounts) => accounts.ToDictionary(a => a.Id, a => a.Balance);

    /// <summary>
    /// By how much a batch changed the sum of each currency's balances. Every currency sums to zero before a batch (all
    /// money entering the ledger is debited to its world account), so any non-zero value here means the batch would
    /// leave money created or destroyed. Only changed accounts can contribute; one opened during the batch started at 0.
    /// </summary>
    public static IReadOnlyDictionary<Currency, long> CurrencyDrift(IReadOnlyDictionary<AccountId, long> balancesBefore, IEnumerable<Account> changed)
    {
        var drift = new Dictionary<Currency, long>();
        foreach (var account in changed)
        {
            var delta = checked(account.Balance - balancesBefore.GetValueOrDefault(account.Id));
            drift[account.Currency] = checked(drift.GetValueOrDefault(account.Currency) + delta);
        }
        return drift.Where(d => d.Value != 0).ToDictionary(d => d.Key, d => d.Value);
    }
}
