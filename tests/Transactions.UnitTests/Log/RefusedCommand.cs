using LedgerX.Transactions.Domain;
using LedgerX.Transactions.UnitTests.Support;

namespace LedgerX.Transactions.UnitTests.Log;

/// <summary>Deciders validate everything before emitting anything: a refused command leaves no trace.</summary>
public class RefusedCommand
{
    [Fact]
    public void LeavesBalancesSequenceAndChangeSetsUntouched()
    {
        var ledger = new LedgerWithClock();
        var payer = ledger.OpenFunded(1_000, "payer");
        var payee = ledger.Open("payee");
        var hold = ledger.Hold(payer, payee, 100);
        var lastSequence = ledger.State.LastSequence;
        var changedAccounts = ledger.State.ChangedAccounts.Select(a => a.Id.Value).Order().ToList();
        var changedHolds = ledger.State.ChangedHolds.Select(h => h.Id).ToList();
        var balances = ledger.State.Accounts.ToDictionary(a => a.Id, a => (a.Balance, a.Held, a.Version));

        // The second posting is valid and its world account does not exist yet: neither may leak.
        var refused = Should.Throw<LedgerRuleException>(() => ledger.Ledger.Execute(Commands.Journal(
            Commands.Debit(null, 100, LedgerWithClock.Usd, 0),
            Commands.Credit(payee, 100, LedgerWithClock.Usd, 1))));

        refused.Error.Code.ShouldBe("currency_mismatch");
        ledger.State.LastSequence.ShouldBe(lastSequence);
        ledger.State.FindWorldAccount(LedgerWithClock.Usd).ShouldBeNull();
        ledger.State.ChangedAccounts.Select(a => a.Id.Value).Order().ShouldBe(changedAccounts);
        ledger.State.ChangedHolds.Select(h => h.Id).ShouldBe(changedHolds);
        ledger.State.Accounts.ToDictionary(a => a.Id, a => (a.Balance, a.Held, a.Version)).ShouldBe(balances);
        ledger.HoldOf(hold).Status.ShouldBe(HoldStatus.Pending);
    }

    [Fact]
    public void LeavesAFreshStateWithNothingChanged()
    {
        var ledger = new LedgerWithClock();

        ledger.Refuses(Commands.Deposit(AccountId.New(ledger.Clock), 100, LedgerWithClock.Eur));

        ledger.State.LastSequence.ShouldBe(0);
        ledger.State.Accounts.ShouldBeEmpty();
        ledger.State.ChangedAccounts.ShouldBeEmpty();
        ledger.State.ChangedHolds.ShouldBeEmpty();
    }
}
