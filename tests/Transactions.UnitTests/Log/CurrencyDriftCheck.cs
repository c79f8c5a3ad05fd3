using LedgerX.Transactions.Domain;
using LedgerX.Transactions.Domain.Events;
using LedgerX.Transactions.UnitTests.Support;

namespace LedgerX.Transactions.UnitTests.Log;

/// <summary>The writer's last check before it commits a batch: no currency's balances may change their sum.</summary>
public class CurrencyDriftCheck
{
    private readonly LedgerWithClock _ledger = new();

    [Fact]
    public void ABatchOfOpeningsDepositsTransfersAndHolds_LeavesNoDrift()
    {
        var payer = _ledger.OpenFunded(1_000, "payer");
        var before = LedgerInvariants.Balances(_ledger.State.Accounts);

        var payee = _ledger.Open("payee");
        _ledger.Transfer(payer, payee, 300);
        _ledger.Deposit(payee, 50);
        _ledger.Withdraw(payer, 20);
        _ledger.Deposit(_ledger.OpenFunded(5, "usd", LedgerWithClock.Usd), 7, LedgerWithClock.Usd);
        _ledger.Hold(payer, payee, 100);

        LedgerInvariants.CurrencyDrift(before, _ledger.State.ChangedAccounts).ShouldBeEmpty();
    }

    [Fact]
    public void MoneyCreatedOnOneAccount_Trips_NamingTheCurrencyAndTheAmount()
    {
        var payer = _ledger.OpenFunded(1_000, "payer");
        _ledger.OpenFunded(10, "usd", LedgerWithClock.Usd);
        var before = LedgerInvariants.Balances(_ledger.State.Accounts);

        // What a bug in the decider would look like: an "entry" that credits one account and debits nobody.
        _ledger.State.Append(OneSided(payer, 250));

        var drift = LedgerInvariants.CurrencyDrift(before, _ledger.State.ChangedAccounts);
        drift.ShouldHaveSingleItem().ShouldBe(new KeyValuePair<Currency, long>(LedgerWithClock.Eur, 250));
    }

    [Fact]
    public void MoneyDestroyedOnAnAccountOpenedInTheSameBatch_Trips()
    {
        var before = LedgerInvariants.Balances(_ledger.State.Accounts);
        var fresh = _ledger.Open("fresh");

        _ledger.State.Append(OneSided(fresh, 40, direction: "debit"));

        LedgerInvariants.CurrencyDrift(before, _ledger.State.ChangedAccounts)[LedgerWithClock.Eur].ShouldBe(-40);
    }

    internal static TransactionPosted OneSided(AccountId account, long amount, string direction = "credit") => new()
    {
        EventId = Guid.CreateVersion7(), OccurredAt = LedgerWithClock.Start, EntryId = Guid.CreateVersion7(), Kind = "deposit",
        Metadata = LedgerMetadata.Empty, Postings = [new PostingLine(account.Value, direction, amount, "EUR", 0)],
    };
}
