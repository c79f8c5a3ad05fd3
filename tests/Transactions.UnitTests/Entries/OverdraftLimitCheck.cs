using LedgerX.Transactions.Domain;
using LedgerX.Transactions.UnitTests.Support;

namespace LedgerX.Transactions.UnitTests.Entries;

public class OverdraftLimitCheck
{
    private readonly LedgerWithClock _ledger = new();

    [Fact]
    public void AllowsSpendingExactlyDownToTheLimit()
    {
        var id = _ledger.OpenFunded(200, overdraftLimit: 500);

        _ledger.Withdraw(id, 700);

        var account = _ledger.Account(id);
        (account.Balance, account.Available).ShouldBe((-500L, -500L));
    }

    [Fact]
    public void RefusesOneMinorUnitBeyondTheLimit()
    {
        var id = _ledger.OpenFunded(200, overdraftLimit: 500);

        var error = _ledger.Refuses(Commands.Withdraw(id, 701, LedgerWithClock.Eur));

        (error.Kind, error.Code, error.Field).ShouldBe((LedgerErrorKind.RuleViolation, "insufficient_funds", "accountId"));
    }

    [Fact]
    public void RefusesAnyDebitAtTheLimit()
    {
        var id = _ledger.Open(overdraftLimit: 500);
        _ledger.Withdraw(id, 500);

        _ledger.Refuses(Commands.Withdraw(id, 1, LedgerWithClock.Eur)).Code.ShouldBe("insufficient_funds");
    }

    [Fact]
    public void DefaultLimitOfZeroMeansNoOverdraft()
    {
        var id = _ledger.Open();

        _ledger.Refuses(Commands.Withdraw(id, 1, LedgerWithClock.Eur)).Code.ShouldBe("insufficient_funds");
    }

    [Fact]
    public void CountsHoldsAgainstTheLimit()
    {
        var id = _ledger.Open("payer", overdraftLimit: 500);
        var payee = _ledger.Open("payee");
        _ledger.Hold(id, payee, 300);

        _ledger.Refuses(Commands.Transfer(id, payee, 201, LedgerWithClock.Eur)).Code.ShouldBe("insufficient_funds");
        _ledger.Transfer(id, payee, 200);

        var account = _ledger.Account(id);
        (account.Balance, account.Held, account.Available).ShouldBe((-200L, 300L, -500L));
    }

    [Fact]
    public void CreditsAreNeverLimited()
    {
        var id = _ledger.Open(overdraftLimit: 0);

        _ledger.Deposit(id, Money.MaxAmount);

        _ledger.Account(id).Balance.ShouldBe(Money.MaxAmount);
    }
}
