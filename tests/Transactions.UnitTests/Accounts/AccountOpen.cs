using LedgerX.Transactions.Domain;
using LedgerX.Transactions.Domain.Events;
using LedgerX.Transactions.UnitTests.Support;

namespace LedgerX.Transactions.UnitTests.Accounts;

public class AccountOpen
{
    private readonly LedgerWithClock _ledger = new();

    [Fact]
    public void EmitsOneAccountOpenedWithEverythingTheCommandSaid()
    {
        var metadata = new Dictionary<string, string> { ["segment"] = "retail", ["branch"] = "lyon" };

        var events = _ledger.Execute(Commands.Open("customer-42", LedgerWithClock.Eur, 5_000, metadata));

        var opened = events.ShouldHaveSingleItem().ShouldBeOfType<AccountOpened>();
        opened.OwnerId.ShouldBe("customer-42");
        opened.Currency.ShouldBe("EUR");
        opened.Kind.ShouldBe("customer");
        opened.OverdraftLimit.ShouldBe(5_000);
        opened.Metadata.Keys.ShouldBe(["branch", "segment"]);
        opened.Sequence.ShouldBe(1);
        opened.OccurredAt.ShouldBe(LedgerWithClock.Start);
        opened.EventId.Version.ShouldBe(7);
        opened.AccountId.Version.ShouldBe(7);
        opened.AccountId.ShouldNotBe(opened.EventId);
    }

    [Fact]
    public void OpensAnActiveEmptyCustomerAccount()
    {
        var id = _ledger.Open("customer-42", LedgerWithClock.Usd, overdraftLimit: 100);

        var account = _ledger.Account(id);
        account.Kind.ShouldBe(AccountKind.Customer);
        account.Status.ShouldBe(AccountStatus.Active);
        account.Currency.ShouldBe(LedgerWithClock.Usd);
        account.OwnerId.ShouldBe("customer-42");
        account.OverdraftLimit.ShouldBe(100);
        (account.Balance, account.Held, account.Available).ShouldBe((0L, 0L, 0L));
        account.OpenedAt.ShouldBe(LedgerWithClock.Start);
        account.Version.ShouldBe(1);
        _ledger.State.ChangedAccounts.ShouldHaveSingleItem().Id.ShouldBe(id);
    }

    [Fact]
    public void GivesEveryAccountItsOwnId()
    {
        var first = _ledger.Open("same-owner");
        var second = _ledger.Open("same-owner");

        first.ShouldNotBe(second);
        _ledger.State.Accounts.Count().ShouldBe(2);
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("\t\n")]
    public void RefusesBlankOwnerId(string ownerId)
    {
        var error = _ledger.Refuses(Commands.Open(ownerId, LedgerWithClock.Eur));

        error.Kind.ShouldBe(LedgerErrorKind.Validation);
        error.Field.ShouldBe("ownerId");
    }

    [Fact]
    public void RefusesNullOwnerId() =>
        _ledger.Refuses(Commands.Open(null!, LedgerWithClock.Eur)).Field.ShouldBe("ownerId");

    [Fact]
    public void AcceptsOwnerIdOf128CharactersAndRefuses129()
    {
        _ledger.Open(new string('o', 128));

        _ledger.Refuses(Commands.Open(new string('o', 129), LedgerWithClock.Eur)).Field.ShouldBe("ownerId");
    }

    [Fact]
    public void RefusesTheReservedWorldOwner()
    {
        var error = _ledger.Refuses(Commands.Open(Account.WorldOwner, LedgerWithClock.Eur));

        error.Kind.ShouldBe(LedgerErrorKind.Validation);
        error.Field.ShouldBe("ownerId");
        Account.WorldOwner.ShouldBe("ledgerx:world");
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(Money.MaxAmount)]
    public void AcceptsOverdraftLimitsWithinBounds(long limit) =>
        _ledger.Account(_ledger.Open(overdraftLimit: limit)).OverdraftLimit.ShouldBe(limit);

    [Theory]
    [InlineData(-1L)]
    [InlineData(long.MinValue)]
    [InlineData(Money.MaxAmount + 1)]
    public void RefusesOverdraftLimitsOutOfBounds(long limit)
    {
        var error = _ledger.Refuses(Commands.Open("customer-1", LedgerWithClock.Eur, limit));

        error.Kind.ShouldBe(LedgerErrorKind.Validation);
        error.Field.ShouldBe("overdraftLimit");
    }

    [Fact]
    public void RefusesInvalidMetadata()
    {
        var metadata = Enumerable.Range(0, LedgerMetadata.MaxEntries + 1).ToDictionary(i => $"k{i}", _ => "v");

        _ledger.Refuses(Commands.Open("customer-1", LedgerWithClock.Eur, 0, metadata)).Field.ShouldBe("metadata");
    }

    [Fact]
    public void RefusesTheDefaultCurrencyWithoutTouchingTheState()
    {
        var error = _ledger.Refuses(Commands.Open("customer-1", default));

        error.Field.ShouldBe("currency");
    }
}
