using LedgerX.Transactions.Domain;
using LedgerX.Transactions.Domain.Events;
using LedgerX.Transactions.UnitTests.Support;

namespace LedgerX.Transactions.UnitTests.Holds;

public class HoldPost
{
    private readonly LedgerWithClock _ledger = new();
    private readonly AccountId _payer;
    private readonly AccountId _payee;
    private readonly HoldId _hold;

    public HoldPost()
    {
        _payer = _ledger.OpenFunded(1_000, "payer");
        _payee = _ledger.Open("payee");
        _hold = _ledger.Hold(_payer, _payee, 300, TimeSpan.FromMinutes(30));
    }

    [Fact]
    public void PostingAllOfItMovesTheHeldAmount()
    {
        var events = _ledger.Execute(new PostHold(_hold, Amount: null));

        var posted = events[0].ShouldBeOfType<HoldPosted>();
        (posted.Amount, posted.ReleasedAmount, posted.Currency).ShouldBe((300L, 0L, "EUR"));
        var payer = _ledger.Account(_payer);
        (payer.Balance, payer.Held, payer.Available).ShouldBe((700L, 0L, 700L));
        _ledger.Account(_payee).Balance.ShouldBe(300);
        var hold = _ledger.HoldOf(_hold);
        (hold.Status, hold.PostedAmount, hold.EntryId).ShouldBe((HoldStatus.Posted, 300L, (EntryId?)new EntryId(posted.EntryId)));
        hold.ClosedAt.ShouldBe((DateTimeOffset?)_ledger.Clock.GetUtcNow());
    }

    [Fact]
    public void PostingPartOfItReleasesTheRest()
    {
        var events = _ledger.Execute(new PostHold(_hold, 120));

        events.Count.ShouldBe(2);
        var holdPosted = events[0].ShouldBeOfType<HoldPosted>();
        var entry = events[1].ShouldBeOfType<TransactionPosted>();
        (holdPosted.Amount, holdPosted.ReleasedAmount).ShouldBe((120L, 180L));
        holdPosted.AccountId.ShouldBe(_payer.Value);
        holdPosted.ToAccountId.ShouldBe(_payee.Value);
        holdPosted.HoldId.ShouldBe(_hold.Value);
        holdPosted.EntryId.ShouldBe(entry.EntryId);
        entry.Kind.ShouldBe("hold_post");
        entry.HoldId.ShouldBe(_hold.Value);
        entry.Postings.ShouldBe([new PostingLine(_payer.Value, "debit", 120, "EUR", 880), new PostingLine(_payee.Value, "credit", 120, "EUR", 120)]);
        (holdPosted.Sequence + 1).ShouldBe(entry.Sequence);
        var payer = _ledger.Account(_payer);
        (payer.Balance, payer.Held, payer.Available).ShouldBe((880L, 0L, 880L));
        _ledger.HoldOf(_hold).PostedAmount.ShouldBe(120);
    }

    [Fact]
    public void CarriesTheHoldDescriptionIntoTheEntry()
    {
        var described = _ledger.Execute(Commands.Hold(_payer, _payee, 10, _ledger.Clock.GetUtcNow().AddHours(1), LedgerWithClock.Eur, "hotel deposit"))
            .OfType<HoldCreated>().Single();

        var entry = _ledger.Execute(new PostHold(new HoldId(described.HoldId), null)).OfType<TransactionPosted>().Single();

        entry.Description.ShouldBe("hotel deposit");
    }

    [Fact]
    public void PostsEvenWhenTheBalanceWasSpentDownToTheHold()
    {
        _ledger.Transfer(_payer, _payee, 700);

        _ledger.Execute(new PostHold(_hold, null));

        _ledger.Account(_payer).Balance.ShouldBe(0);
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(-5L)]
    [InlineData(301L)]
    public void RefusesAnAmountOutsideOneToTheHeldAmount(long amount)
    {
        var error = _ledger.Refuses(new PostHold(_hold, amount));

        (error.Kind, error.Field).ShouldBe((LedgerErrorKind.Validation, "amount"));
    }

    [Fact]
    public void RefusesToPostTwice()
    {
        _ledger.Execute(new PostHold(_hold, 100));

        var error = _ledger.Refuses(new PostHold(_hold, 100));

        (error.Kind, error.Code).ShouldBe((LedgerErrorKind.Conflict, "hold_not_pending"));
    }

    [Fact]
    public void RefusesToPostAfterVoid()
    {
        _ledger.Execute(new VoidHold(_hold));

        _ledger.Refuses(new PostHold(_hold, null)).Code.ShouldBe("hold_not_pending");
    }

    [Fact]
    public void RefusesToPostOnceExpiredEvenBeforeTheExpiryIsRecorded()
    {
        _ledger.Clock.Advance(TimeSpan.FromMinutes(30));

        var error = _ledger.Refuses(new PostHold(_hold, null));

        (error.Kind, error.Code).ShouldBe((LedgerErrorKind.Conflict, "hold_expired"));
    }

    [Fact]
    public void PostsOneTickBeforeExpiry()
    {
        _ledger.Clock.Advance(TimeSpan.FromMinutes(30) - TimeSpan.FromTicks(1));

        _ledger.Execute(new PostHold(_hold, null)).Count.ShouldBe(2);
    }

    [Fact]
    public void RefusesToPostAfterExpiry()
    {
        _ledger.Clock.Advance(TimeSpan.FromHours(1));
        _ledger.Execute(new ExpireHold(_hold));

        _ledger.Refuses(new PostHold(_hold, null)).Code.ShouldBe("hold_not_pending");
    }

    [Fact]
    public void RefusesAnUnknownHold()
    {
        var error = _ledger.Refuses(new PostHold(HoldId.New(_ledger.Clock), null));

        (error.Kind, error.Code).ShouldBe((LedgerErrorKind.NotFound, "hold_not_found"));
    }

    [Fact]
    public void RefusesWhenEitherAccountWasFrozenMeanwhile()
    {
        _ledger.Execute(new FreezeAccount(_payee, "fraud alert"));

        var error = _ledger.Refuses(new PostHold(_hold, null));

        (error.Code, error.Field).ShouldBe(("account_frozen", "toAccountId"));
    }

    [Fact]
    public void RefusesWhenThePayeeWasClosedMeanwhile()
    {
        _ledger.Execute(new CloseAccount(_payee));

        _ledger.Refuses(new PostHold(_hold, null)).Code.ShouldBe("account_closed");
    }
}
