using LedgerX.Transactions.Domain;
using LedgerX.Transactions.Domain.Events;
using LedgerX.Transactions.UnitTests.Support;

namespace LedgerX.Transactions.UnitTests.Log;

/// <summary>Balances are recomputable from the event log: this is what `ledgerx verify` relies on.</summary>
public class EventLogReplay
{
    private readonly LedgerWithClock _ledger = new();

    public EventLogReplay()
    {
        var alice = _ledger.OpenFunded(10_000, "alice");
        var bob = _ledger.Open("bob", overdraftLimit: 500);
        var carol = _ledger.OpenFunded(3_000, "carol", LedgerWithClock.Usd);
        var dave = _ledger.Open("dave", LedgerWithClock.Usd);
        _ledger.Transfer(alice, bob, 2_000);
        _ledger.Withdraw(bob, 2_400);
        _ledger.Execute(Commands.Journal(
            Commands.Debit(alice, 300, LedgerWithClock.Eur, 0), Commands.Credit(bob, 300, LedgerWithClock.Eur, 1),
            Commands.Debit(carol, 700, LedgerWithClock.Usd, 2), Commands.Credit(dave, 700, LedgerWithClock.Usd, 3)));
        var posted = _ledger.Hold(alice, bob, 1_000);
        var voided = _ledger.Hold(alice, bob, 500);
        var expired = _ledger.Hold(carol, dave, 100, TimeSpan.FromMinutes(5), LedgerWithClock.Usd);
        _ledger.Hold(alice, bob, 250, TimeSpan.FromDays(1));
        _ledger.Execute(new PostHold(posted, 600));
        _ledger.Execute(new VoidHold(voided));
        _ledger.Clock.Advance(TimeSpan.FromMinutes(10));
        _ledger.Execute(new ExpireHold(expired));
        _ledger.Execute(new FreezeAccount(dave, "review"));
        var reversed = _ledger.Log.OfType<TransactionPosted>().Last(t => t.Kind == "journal");
        _ledger.Execute(Commands.Transfer(dave, carol, 700, LedgerWithClock.Usd, EntryKind.Reversal, new EntryId(reversed.EntryId)));
        var leaver = _ledger.Open("erin");
        _ledger.Execute(new CloseAccount(leaver));
    }

    [Fact]
    public void ReproducesEveryAccountAndHold()
    {
        var replayed = Replay.ThroughSerializer(_ledger.Log);

        Replay.Describe(replayed, _ledger.Holds).ShouldBe(Replay.Describe(_ledger.State, _ledger.Holds));
        replayed.LastSequence.ShouldBe(_ledger.State.LastSequence);
        replayed.FindWorldAccount(LedgerWithClock.Usd).ShouldNotBeNull().Id.ShouldBe(_ledger.World(LedgerWithClock.Usd).Id);
    }

    [Fact]
    public void BalanceIsCreditsMinusDebitsOfTheLoggedPostings()
    {
        var fromPostings = _ledger.Log.OfType<TransactionPosted>().SelectMany(t => t.Postings)
            .GroupBy(p => p.AccountId)
            .ToDictionary(g => g.Key, g => g.Sum(p => p.Direction == "credit" ? p.Amount : -p.Amount));

        foreach (var account in _ledger.State.Accounts)
        {
            account.Balance.ShouldBe(fromPostings.GetValueOrDefault(account.Id.Value), $"account {account.OwnerId} {account.Currency}");
        }
    }

    [Fact]
    public void BalanceAfterOfEachAccountsLastPostingIsItsBalance()
    {
        var last = _ledger.Log.OfType<TransactionPosted>().SelectMany(t => t.Postings)
            .GroupBy(p => p.AccountId).ToDictionary(g => g.Key, g => g.Last().BalanceAfter);

        foreach (var (accountId, balance) in last)
        {
            _ledger.Account(new AccountId(accountId)).Balance.ShouldBe(balance);
        }
    }

    [Fact]
    public void EveryLoggedEntryBalancesPerCurrency()
    {
        foreach (var entry in _ledger.Log.OfType<TransactionPosted>())
        {
            entry.Postings.Count.ShouldBeGreaterThanOrEqualTo(2);
            entry.Postings.GroupBy(p => p.Currency)
                .ShouldAllBe(g => g.Sum(p => p.Direction == "credit" ? p.Amount : -p.Amount) == 0);
        }
    }

    [Fact]
    public void RefusesALogWithAMissingEvent()
    {
        var gapped = _ledger.Log.Where((_, i) => i != 5);

        Should.Throw<InvalidOperationException>(() => Replay.ThroughSerializer(gapped));
    }
}
