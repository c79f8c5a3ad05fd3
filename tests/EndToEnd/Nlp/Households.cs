namespace LedgerX.EndToEnd.Tests.Nlp;

/// <summary>A fresh customer with a checking account (funded by a teller) and a savings account, who bought groceries
/// from a grocer (another customer) from both accounts and moved money to savings; <see cref="Household.Groceries"/> is
/// what the ledger says they spent on groceries, <see cref="Household.GroceryEntries"/> the entries that add up to it.</summary>
public sealed record Household(Caller Customer, string Checking, string Savings, long Groceries, IReadOnlyList<string> GroceryEntries);

public sealed class Households(LedgerXSystem system)
{
    private Ledger Ledger => system.Ledger;

    public async Task<Household> NewAsync()
    {
        var customer = await system.Identities.NewCustomerAsync();
        var grocer = await system.Identities.NewCustomerAsync();
        string checking = await Ledger.FundedAccountAsync(customer, 1_000_00);
        string savings = await Ledger.OpenAccountAsync(customer);
        string till = await Ledger.OpenAccountAsync(grocer);
        var entries = new List<string>
        {
            await PayAsync(customer, checking, till, 23_45, "REWE Markt 0815", "groceries", "REWE"),
            await PayAsync(customer, checking, till, 12_30, "Lidl sagt danke", "groceries", "Lidl"),
        };
        await PayAsync(customer, checking, savings, 200_00, "to savings", "transfers", null);
        entries.Add(await PayAsync(customer, savings, till, 5_00, "REWE Markt 0815", "groceries", "REWE"));
        await OwnershipKnownAsync(customer, checking, savings);
        return new Household(customer, checking, savings, 23_45 + 12_30 + 5_00, entries);
    }

    private async Task<string> PayAsync(Caller payer, string from, string to, long amount, string description, string category, string? counterparty)
    {
        var metadata = counterparty is null ? null : new Dictionary<string, string> { ["counterparty"] = counterparty };
        var entry = await Ledger.SendOkAsync(payer, HttpMethod.Post, "/api/v1/transfers",
            new { fromAccountId = from, toAccountId = to, amount, currency = Ledger.Currency, description, category, metadata }, HttpStatusCode.Created);
        return entry["id"]!.GetValue<string>();
    }

    /// <summary>The read models the tools may use learn owners and movements from events: wait until analytics serves
    /// the owner each account's history up to the ledger's balance, so the question is about data the system has, not
    /// about its propagation delay.</summary>
    private async Task OwnershipKnownAsync(Caller customer, params string[] accounts)
    {
        foreach (string account in accounts)
        {
            long balance = await Ledger.BalanceAsync(account);
            await Eventually.SucceedsAsync(async () =>
            {
                var history = await Ledger.SendOkAsync(customer, HttpMethod.Get, $"/api/v1/accounts/{account}/balance-history", null, HttpStatusCode.OK);
                history["items"]!.AsArray().Last()!["balanceMinor"]!.GetValue<long>().ShouldBe(balance);
            }, Questions.Patience);
        }
    }

}
