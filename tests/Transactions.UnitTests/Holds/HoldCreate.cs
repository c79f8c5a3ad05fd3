using LedgerX.Transactions.Domain;
using LedgerX.Transactions.Domain.Events;
using LedgerX.Transactions.UnitTests.Support;

namespace LedgerX.Transactions.UnitTests.Holds;

public class HoldCreate
{
    private readonly LedgerWithClock _ledger = new();
    private readonly AccountId _payer;
    private readonly AccountId _payee;

    public HoldCreate()
    {
        _payer = _ledger.OpenFunded(1_000, "payer");
        _payee = _ledger.Open("payee");
    }

    private DateTimeOffset InAnHour => _ledger.Clock.GetUtcNow().AddHours(1);

    [Fact]
    public void ReducesAvailableButNotBalance()
    {
        _ledger.Hold(_payer, _payee, 300);

        var payer = _ledger.Account(_payer);
        (payer.Balance, payer.Held, payer.Available).ShouldBe((1_000L, 300L, 700L));
        var payee = _ledger.Account(_payee);
        (payee.Balance, payee.Held, payee.Available).ShouldBe((0L, 0L, 0L));
    }

    [Fact]
    public void EmitsHoldCreatedWithEverythingTheCommandSaid()
    {
        var expiresAt = InAnHour;

        var created = _ledger.Execute(Commands.Hold(_payer, _payee, 300, expiresAt, LedgerWithClock.Eur, "card pre-authorisation"))
            .ShouldHaveSingleItem().ShouldBeOfType<HoldCreated>();

        created.AccountId.ShouldBe(_payer.Value);
        created.ToAccountId.ShouldBe(_payee.Value);
        (created.Amount, created.Currency).ShouldBe((300L, "EUR"));
        created.ExpiresAt.ShouldBe(expiresAt);
        created.Description.ShouldBe("card pre-authorisation");
        created.OccurredAt.ShouldBe(LedgerWithClock.Start);
        created.HoldId.Version.ShouldBe(7);
        var hold = _ledger.HoldOf(new HoldId(created.HoldId));
        hold.Status.ShouldBe(HoldStatus.Pending);
        hold.Amount.ShouldBe(new Money(300, LedgerWithClock.Eur));
        (hold.PostedAmount, hold.EntryId, hold.ClosedAt).ShouldBe((0L, (EntryId?)null, (DateTimeOffset?)null));
    }

    [Fact]
    public void AllowsHoldingExactlyTheAvailableAmount()
    {
        _ledger.Hold(_payer, _payee, 1_000);

        _ledger.Account(_payer).Available.ShouldBe(0);
    }

    [Fact]
    public void RefusesMoreThanAvailable()
    {
        _ledger.Hold(_payer, _payee, 600);

        var error = _ledger.Refuses(Commands.Hold(_payer, _payee, 401, InAnHour, LedgerWithClock.Eur));

        (error.Kind, error.Code, error.Field).ShouldBe((LedgerErrorKind.RuleViolation, "insufficient_funds", "amount"));
    }

    [Fact]
    public void UsesTheOverdraftLimit()
    {
        var overdrawn = _ledger.Open("overdrawn", overdraftLimit: 50);

        _ledger.Hold(overdrawn, _payee, 50);

        _ledger.Refuses(Commands.Hold(overdrawn, _payee, 1, InAnHour, LedgerWithClock.Eur)).Code.ShouldBe("insufficient_funds");
        _ledger.Account(overdrawn).Available.ShouldBe(-50);
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(-1L)]
    [InlineData(Money.MaxAmount + 1)]
    public void RefusesAmountsOutOfBounds(long amount)
    {
        var error = _ledger.Refuses(Commands.Hold(_payer, _payee, amount, InAnHour, LedgerWithClock.Eur));

        (error.Kind, error.Field).ShouldBe((LedgerErrorKind.Validation, "amount"));
    }

    [Fact]
    public void RefusesTheSameAccountOnBothSides() =>
        _ledger.Refuses(Commands.Hold(_payer, _payer, 10, InAnHour, LedgerWithClock.Eur)).Field.ShouldBe("toAccountId");

    [Fact]
    public void RefusesAnExpiryThatIsNotInTheFuture()
    {
        var now = _ledger.Clock.GetUtcNow();

        _ledger.Refuses(Commands.Hold(_payer, _payee, 10, now, LedgerWithClock.Eur)).Field.ShouldBe("expiresInSeconds");
        _ledger.Refuses(Commands.Hold(_payer, _payee, 10, now.AddTicks(-1), LedgerWithClock.Eur)).Kind.ShouldBe(LedgerErrorKind.Validation);
        _ledger.Execute(Commands.Hold(_payer, _payee, 10, now.AddTicks(1), LedgerWithClock.Eur)).ShouldHaveSingleItem();
    }

    [Fact]
    public void RefusesAnOverlongDescription()
    {
        _ledger.Refuses(Commands.Hold(_payer, _payee, 10, InAnHour, LedgerWithClock.Eur, new string('d', EntryDetails.MaxDescriptionLength + 1)))
            .Field.ShouldBe("description");
        _ledger.Execute(Commands.Hold(_payer, _payee, 10, InAnHour, LedgerWithClock.Eur, new string('d', EntryDetails.MaxDescriptionLength)))
            .ShouldHaveSingleItem();
    }

    [Fact]
    public void RefusesUnknownAccountsNamingTheField()
    {
        var unknown = AccountId.New(_ledger.Clock);

        var from = _ledger.Refuses(Commands.Hold(unknown, _payee, 10, InAnHour, LedgerWithClock.Eur));
        var to = _ledger.Refuses(Commands.Hold(_payer, unknown, 10, InAnHour, LedgerWithClock.Eur));

        (from.Kind, from.Code, from.Field).ShouldBe((LedgerErrorKind.RuleViolation, "account_not_found", "accountId"));
        (to.Code, to.Field).ShouldBe(("account_not_found", "toAccountId"));
    }

    [Fact]
    public void RefusesACurrencyEitherAccountDoesNotHold()
    {
        var usd = _ledger.Open("usd", LedgerWithClock.Usd);

        var wrongAmount = _ledger.Refuses(Commands.Hold(_payer, _payee, 10, InAnHour, LedgerWithClock.Usd));
        var wrongPayee = _ledger.Refuses(Commands.Hold(_payer, usd, 10, InAnHour, LedgerWithClock.Eur));

        (wrongAmount.Code, wrongAmount.Field).ShouldBe(("currency_mismatch", "accountId"));
        (wrongPayee.Code, wrongPayee.Field).ShouldBe(("currency_mismatch", "toAccountId"));
    }
}
