using LedgerX.Transactions.Domain;
using LedgerX.Transactions.Domain.Events;
using LedgerX.Transactions.UnitTests.Support;

namespace LedgerX.Transactions.UnitTests.Accounts;

public class AccountClose
{
    private readonly LedgerWithClock _ledger = new();

    [Fact]
    public void ClosesAnAccountAtZeroBalance()
    {
        var id = _ledger.OpenFunded(500);
        _ledger.Withdraw(id, 500);

        var closed = _ledger.Execute(new CloseAccount(id)).ShouldHaveSingleItem().ShouldBeOfType<AccountClosed>();

        closed.AccountId.ShouldBe(id.Value);
        _ledger.Account(id).Status.ShouldBe(AccountStatus.Closed);
    }

    [Theory]
    [InlineData(1L)]
    [InlineData(-1L)]
    public void RefusesANonZeroBalance(long balance)
    {
        var id = _ledger.Open(overdraftLimit: 10);
        if (balance > 0) { _ledger.Deposit(id, balance); } else { _ledger.Withdraw(id, -balance); }

        var error = _ledger.Refuses(new CloseAccount(id));

        (error.Kind, error.Code).ShouldBe((LedgerErrorKind.Conflict, "account_not_empty"));
    }

    [Fact]
    public void RefusesWhileAHoldIsPending()
    {
        var id = _ledger.OpenFunded(500);
        var payee = _ledger.Open("payee");
        var hold = _ledger.Hold(id, payee, 200);
        _ledger.Transfer(id, payee, 300);
        _ledger.Account(id).Balance.ShouldBe(200);

        _ledger.Refuses(new CloseAccount(id)).Code.ShouldBe("account_not_empty");

        _ledger.Execute(new VoidHold(hold));
        _ledger.Withdraw(id, 200);
        _ledger.Execute(new CloseAccount(id)).ShouldHaveSingleItem().ShouldBeOfType<AccountClosed>();
    }

    [Fact]
    public void RefusesToCloseTwice()
    {
        var id = _ledger.Open();
        _ledger.Execute(new CloseAccount(id));

        var error = _ledger.Refuses(new CloseAccount(id));

        (error.Kind, error.Code).ShouldBe((LedgerErrorKind.Conflict, "account_closed"));
    }

    [Fact]
    public void RefusesUnknownAccountAsNotFound() =>
        _ledger.Refuses(new CloseAccount(AccountId.New(_ledger.Clock))).Kind.ShouldBe(LedgerErrorKind.NotFound);

    [Fact]
    public void ClosedAccountRefusesEveryMovementOfMoney()
    {
        var closed = _ledger.Open("leaver");
        var other = _ledger.OpenFunded(1_000, "stayer");
        _ledger.Execute(new CloseAccount(closed));

        foreach (var command in new LedgerCommand[]
        {
            Commands.Deposit(closed, 10, LedgerWithClock.Eur),
            Commands.Transfer(other, closed, 10, LedgerWithClock.Eur),
            Commands.Transfer(other, closed, 10, LedgerWithClock.Eur, EntryKind.Reversal, new EntryId(Guid.NewGuid())),
            Commands.Hold(other, closed, 10, LedgerWithClock.Start.AddHours(1), LedgerWithClock.Eur),
        })
        {
            var error = _ledger.Refuses(command);
            (error.Kind, error.Code).ShouldBe((LedgerErrorKind.RuleViolation, "account_closed"));
        }
    }
}
