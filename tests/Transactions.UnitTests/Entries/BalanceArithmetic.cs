using LedgerX.Transactions.Domain;
using LedgerX.Transactions.UnitTests.Support;
using Microsoft.Extensions.Time.Testing;

namespace LedgerX.Transactions.UnitTests.Entries;

/// <summary>Amounts are bounded and balance arithmetic is checked: a balance never wraps around silently.</summary>
public class BalanceArithmetic
{
    private static readonly Currency Eur = LedgerWithClock.Eur;

    [Fact]
    public void ABalanceThatWouldOverflowIsRefusedBeforeAnythingChanges()
    {
        var state = new LedgerState(lastSequence: 10);
        var rich = Restore(state, AccountKind.Customer, "whale", balance: long.MaxValue - 5);
        var world = Restore(state, AccountKind.World, Account.WorldOwner, balance: long.MinValue + 5);
        var ledger = new Ledger(state, new FakeTimeProvider(LedgerWithClock.Start));

        var refused = Should.Throw<LedgerRuleException>(() => ledger.Execute(Commands.Deposit(rich.Id, 10, Eur)));

        refused.Error.Code.ShouldBe("amount_overflow");

        (state.LastSequence, rich.Balance, world.Balance).ShouldBe((10L, long.MaxValue - 5, long.MinValue + 5));
        state.ChangedAccounts.ShouldBeEmpty();
    }

    [Fact]
    public void ABalanceRightAtTheEdgeIsStillPosted()
    {
        var state = new LedgerState(lastSequence: 10);
        var rich = Restore(state, AccountKind.Customer, "whale", balance: long.MaxValue - 5);
        Restore(state, AccountKind.World, Account.WorldOwner, balance: long.MinValue + 5);
        var ledger = new Ledger(state, new FakeTimeProvider(LedgerWithClock.Start));

        ledger.Execute(Commands.Deposit(rich.Id, 5, Eur));

        rich.Balance.ShouldBe(long.MaxValue);
    }

    private static Account Restore(LedgerState state, AccountKind kind, string owner, long balance)
    {
        var account = Account.Restore(new AccountId(Guid.CreateVersion7()), owner, Eur, kind, AccountStatus.Active, 0, balance, 0,
            LedgerMetadata.Empty, LedgerWithClock.Start, version: 3);
        state.Load(account);
        return account;
    }
}
