using LedgerX.Transactions.Domain;
using LedgerX.Transactions.Domain.Events;
using LedgerX.Transactions.UnitTests.Support;

namespace LedgerX.Transactions.UnitTests.Holds;

public class HoldVoidAndExpire
{
    private readonly LedgerWithClock _ledger = new();
    private readonly AccountId _payer;
    private readonly AccountId _payee;
    private readonly HoldId _hold;

    public HoldVoidAndExpire()
    {
        _payer = _ledger.OpenFunded(1_000, "payer");
        _payee = _ledger.Open("payee");
        _hold = _ledger.Hold(_payer, _payee, 300, TimeSpan.FromMinutes(30));
    }

    [Fact]
    public void VoidReleasesTheWholeAmount()
    {
        var voided = _ledger.Execute(new VoidHold(_hold)).ShouldHaveSingleItem().ShouldBeOfType<HoldVoided>();

        (voided.HoldId, voided.AccountId, voided.Amount, voided.Currency).ShouldBe((_hold.Value, _payer.Value, 300L, "EUR"));
        var payer = _ledger.Account(_payer);
        (payer.Balance, payer.Held, payer.Available).ShouldBe((1_000L, 0L, 1_000L));
        _ledger.Account(_payee).Balance.ShouldBe(0);
        (_ledger.HoldOf(_hold).Status, _ledger.HoldOf(_hold).ClosedAt).ShouldBe((HoldStatus.Voided, (DateTimeOffset?)_ledger.Clock.GetUtcNow()));
    }

    [Fact]
    public void RefusesToVoidTwice()
    {
        _ledger.Execute(new VoidHold(_hold));

        var error = _ledger.Refuses(new VoidHold(_hold));

        (error.Kind, error.Code).ShouldBe((LedgerErrorKind.Conflict, "hold_not_pending"));
    }

    [Fact]
    public void RefusesToVoidAPostedHold()
    {
        _ledger.Execute(new PostHold(_hold, null));

        _ledger.Refuses(new VoidHold(_hold)).Code.ShouldBe("hold_not_pending");
    }

    [Fact]
    public void VoidWorksOnAFrozenAccount()
    {
        _ledger.Execute(new FreezeAccount(_payer, "fraud alert"));

        _ledger.Execute(new VoidHold(_hold)).ShouldHaveSingleItem().ShouldBeOfType<HoldVoided>();
    }

    [Fact]
    public void RefusesToVoidAnUnknownHold() =>
        _ledger.Refuses(new VoidHold(HoldId.New(_ledger.Clock))).Kind.ShouldBe(LedgerErrorKind.NotFound);

    [Fact]
    public void ExpireReleasesTheAmountOnceDue()
    {
        _ledger.Clock.Advance(TimeSpan.FromMinutes(30));

        var expired = _ledger.Execute(new ExpireHold(_hold)).ShouldHaveSingleItem().ShouldBeOfType<HoldExpired>();

        (expired.HoldId, expired.AccountId, expired.Amount, expired.Currency).ShouldBe((_hold.Value, _payer.Value, 300L, "EUR"));
        expired.OccurredAt.ShouldBe(LedgerWithClock.Start.AddMinutes(30));
        _ledger.Account(_payer).Available.ShouldBe(1_000);
        _ledger.HoldOf(_hold).Status.ShouldBe(HoldStatus.Expired);
    }

    [Fact]
    public void RefusesToExpireBeforeItIsDue()
    {
        _ledger.Clock.Advance(TimeSpan.FromMinutes(30) - TimeSpan.FromTicks(1));

        var error = _ledger.Refuses(new ExpireHold(_hold));

        (error.Kind, error.Code).ShouldBe((LedgerErrorKind.Conflict, "hold_not_expirable"));
    }

    [Fact]
    public void RefusesToExpireAHoldThatIsNoLongerPending()
    {
        _ledger.Execute(new VoidHold(_hold));
        _ledger.Clock.Advance(TimeSpan.FromHours(1));

        _ledger.Refuses(new ExpireHold(_hold)).Code.ShouldBe("hold_not_expirable");
    }

    [Fact]
    public void RefusesToExpireTwice()
    {
        _ledger.Clock.Advance(TimeSpan.FromHours(1));
        _ledger.Execute(new ExpireHold(_hold));

        _ledger.Refuses(new ExpireHold(_hold)).Code.ShouldBe("hold_not_expirable");
    }

    [Fact]
    public void RefusesToVoidOnceExpired()
    {
        _ledger.Clock.Advance(TimeSpan.FromHours(1));

        _ledger.Refuses(new VoidHold(_hold)).Code.ShouldBe("hold_expired");
    }

    [Fact]
    public void RefusesToExpireAnUnknownHold() =>
        _ledger.Refuses(new ExpireHold(HoldId.New(_ledger.Clock))).Code.ShouldBe("hold_not_found");
}
