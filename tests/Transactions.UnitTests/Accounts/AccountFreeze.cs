using LedgerX.Transactions.Domain;
using LedgerX.Transactions.Domain.Events;
using LedgerX.Transactions.UnitTests.Support;

namespace LedgerX.Transactions.UnitTests.Accounts;

public class AccountFreeze
{
    private readonly LedgerWithClock _ledger = new();

    [Fact]
    public void FreezesAnActiveAccountWithTheReason()
    {
        var id = _ledger.Open();

        var frozen = _ledger.Execute(new FreezeAccount(id, "fraud alert 17")).ShouldHaveSingleItem().ShouldBeOfType<AccountFrozen>();

        frozen.AccountId.ShouldBe(id.Value);
        frozen.Reason.ShouldBe("fraud alert 17");
        frozen.Sequence.ShouldBe(2);
        _ledger.Account(id).Status.ShouldBe(AccountStatus.Frozen);
    }

    [Fact]
    public void FreezingAFrozenAccountEmitsNothing()
    {
        var id = _ledger.Open();
        _ledger.Execute(new FreezeAccount(id, "first"));
        var before = _ledger.Snapshot();

        _ledger.Execute(new FreezeAccount(id, "again")).ShouldBeEmpty();

        _ledger.Snapshot().ShouldBe(before);
    }

    [Fact]
    public void UnfreezesAFrozenAccount()
    {
        var id = _ledger.Open();
        _ledger.Execute(new FreezeAccount(id, "check"));

        var unfrozen = _ledger.Execute(new UnfreezeAccount(id)).ShouldHaveSingleItem().ShouldBeOfType<AccountUnfrozen>();

        unfrozen.AccountId.ShouldBe(id.Value);
        _ledger.Account(id).Status.ShouldBe(AccountStatus.Active);
    }

    [Fact]
    public void UnfreezingAnActiveAccountEmitsNothing()
    {
        var id = _ledger.Open();
        var before = _ledger.Snapshot();

        _ledger.Execute(new UnfreezeAccount(id)).ShouldBeEmpty();

        _ledger.Snapshot().ShouldBe(before);
    }

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    public void RefusesBlankReason(string reason)
    {
        var id = _ledger.Open();

        var error = _ledger.Refuses(new FreezeAccount(id, reason));

        error.Kind.ShouldBe(LedgerErrorKind.Validation);
        error.Field.ShouldBe("reason");
    }

    [Fact]
    public void AcceptsReasonOfMaxLengthAndRefusesOneMore()
    {
        var id = _ledger.Open();

        _ledger.Refuses(new FreezeAccount(id, new string('r', FreezeAccount.MaxReasonLength + 1))).Field.ShouldBe("reason");
        _ledger.Execute(new FreezeAccount(id, new string('r', FreezeAccount.MaxReasonLength))).ShouldHaveSingleItem();
    }

    [Fact]
    public void RefusesToFreezeOrUnfreezeAClosedAccount()
    {
        var id = _ledger.Open();
        _ledger.Execute(new CloseAccount(id));

        var freeze = _ledger.Refuses(new FreezeAccount(id, "too late"));
        var unfreeze = _ledger.Refuses(new UnfreezeAccount(id));

        (freeze.Kind, freeze.Code).ShouldBe((LedgerErrorKind.Conflict, "account_closed"));
        (unfreeze.Kind, unfreeze.Code).ShouldBe((LedgerErrorKind.Conflict, "account_closed"));
    }

    [Fact]
    public void RefusesToChangeTheStatusOfAWorldAccount()
    {
        _ledger.OpenFunded(100);
        var world = _ledger.World(LedgerWithClock.Eur).Id;

        foreach (LedgerCommand command in new LedgerCommand[] { new FreezeAccount(world, "no"), new UnfreezeAccount(world), new CloseAccount(world) })
        {
            var error = _ledger.Refuses(command);
            (error.Kind, error.Code).ShouldBe((LedgerErrorKind.Conflict, "world_account"));
        }
        _ledger.World(LedgerWithClock.Eur).Status.ShouldBe(AccountStatus.Active);
    }

    [Fact]
    public void RefusesUnknownAccountAsNotFound()
    {
        var unknown = AccountId.New(_ledger.Clock);

        foreach (LedgerCommand command in new LedgerCommand[] { new FreezeAccount(unknown, "x"), new UnfreezeAccount(unknown) })
        {
            var error = _ledger.Refuses(command);
            (error.Kind, error.Code).ShouldBe((LedgerErrorKind.NotFound, "account_not_found"));
        }
    }
}
