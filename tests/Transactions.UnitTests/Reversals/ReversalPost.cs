using LedgerX.Transactions.Domain;
using LedgerX.Transactions.Domain.Events;
using LedgerX.Transactions.UnitTests.Support;

namespace LedgerX.Transactions.UnitTests.Reversals;

/// <summary>Posting a reversing entry: never beyond what the original moved, taking the funds a hold reserved for it,
/// and compensations (reversals of reversals) that give the amount back.</summary>
public class ReversalPost
{
    private readonly LedgerWithClock _ledger = new();
    private readonly AccountId _payer;
    private readonly AccountId _receiver;
    private readonly EntryId _original;

    public ReversalPost()
    {
        _payer = _ledger.OpenFunded(10_000, "payer");
        _receiver = _ledger.OpenFunded(500, "receiver");
        _original = new EntryId(_ledger.Transfer(_payer, _receiver, 3_000).EntryId);
    }

    private PostEntry Reverse(long amount, EntryId? of = null, HoldId? hold = null) =>
        Commands.Transfer(_receiver, _payer, amount, LedgerWithClock.Eur, EntryKind.Reversal, of ?? _original) with { FromHoldId = hold };

    [Fact]
    public void TwoReversalsOfOneEntryNeverExceedItsAmount()
    {
        _ledger.Execute(Reverse(2_000));

        var refused = _ledger.Refuses(Reverse(1_001));

        (refused.Code, refused.Field).ShouldBe(("reversal_exceeds_entry", "amount"));
        _ledger.Execute(Reverse(1_000));
        _ledger.State.FindEntry(_original)!.RemainingIn(LedgerWithClock.Eur).ShouldBe(0);
    }

    [Fact]
    public void RefusesAReversalOfAnUnknownEntry()
    {
        var refused = _ledger.Refuses(Reverse(10, new EntryId(Guid.CreateVersion7())));

        (refused.Code, refused.Field).ShouldBe(("entry_not_found", "reversesEntryId"));
    }

    [Fact]
    public void ACompensationGivesTheAmountBackToTheOriginal()
    {
        var reversal = _ledger.Execute(Reverse(3_000)).OfType<TransactionPosted>().Single();

        _ledger.Execute(Commands.Transfer(_payer, _receiver, 3_000, LedgerWithClock.Eur, EntryKind.Reversal, new EntryId(reversal.EntryId)));

        _ledger.State.FindEntry(_original)!.RemainingIn(LedgerWithClock.Eur).ShouldBe(3_000);
        _ledger.Account(_receiver).Balance.ShouldBe(3_500);
        _ledger.BalanceSums()["EUR"].ShouldBe(0);
    }

    [Fact]
    public void TakesTheFundsOfItsHold_PostingTheHoldAsTheReversingEntry()
    {
        var hold = _ledger.Hold(_receiver, _payer, 3_000);

        var events = _ledger.Execute(Reverse(3_000, hold: hold));

        var posted = events.OfType<HoldPosted>().Single();
        var entry = events.OfType<TransactionPosted>().Single();
        (posted.Amount, posted.ReleasedAmount, posted.EntryId).ShouldBe((3_000, 0, entry.EntryId));
        entry.HoldId.ShouldBe(hold.Value);
        _ledger.HoldOf(hold).Status.ShouldBe(HoldStatus.Posted);
        _ledger.Account(_receiver).Balance.ShouldBe(500);
        _ledger.Account(_receiver).Held.ShouldBe(0);
    }

    [Fact]
    public void WithoutItsHold_TheHeldFundsAreNotAvailable()
    {
        _ledger.Hold(_receiver, _payer, 3_000);

        _ledger.Refuses(Reverse(3_000)).Code.ShouldBe("insufficient_funds");
    }

    [Fact]
    public void ReleasesWhatItDoesNotUseOfItsHold()
    {
        var hold = _ledger.Hold(_receiver, _payer, 3_000);

        var posted = _ledger.Execute(Reverse(1_200, hold: hold)).OfType<HoldPosted>().Single();

        (posted.Amount, posted.ReleasedAmount).ShouldBe((1_200, 1_800));
        _ledger.Account(_receiver).Held.ShouldBe(0);
        _ledger.Account(_receiver).Balance.ShouldBe(2_300);
    }

    [Fact]
    public void OnlyAReversalMayTakeAHold()
    {
        var hold = _ledger.Hold(_receiver, _payer, 100);

        _ledger.Refuses(Commands.Transfer(_receiver, _payer, 100, LedgerWithClock.Eur) with { FromHoldId = hold }).Field.ShouldBe("holdId");
    }

    [Fact]
    public void RefusesAHoldThatIsNoLongerPending()
    {
        var hold = _ledger.Hold(_receiver, _payer, 100);
        _ledger.Execute(new VoidHold(hold));

        _ledger.Refuses(Reverse(100, hold: hold)).Code.ShouldBe("hold_not_pending");
    }

    [Fact]
    public void ReplayingTheLogGivesTheSameBalances()
    {
        var hold = _ledger.Hold(_receiver, _payer, 3_000);
        _ledger.Execute(Reverse(3_000, hold: hold));

        var replayed = Replay.ThroughSerializer(_ledger.Log);

        replayed.FindAccount(_receiver)!.Balance.ShouldBe(_ledger.Account(_receiver).Balance);
        replayed.FindAccount(_receiver)!.Held.ShouldBe(0);
    }
}

/// <summary>Fraud handling freezes an account first and reverses next: the reversal's hold and entry get through.</summary>
public class ReversalOfAFrozenAccount
{
    [Fact]
    public void HoldsAndPostsOnTheFrozenReceiver_WhileAnOrdinaryHoldIsRefused()
    {
        var ledger = new LedgerWithClock();
        var payer = ledger.OpenFunded(1_000, "payer");
        var receiver = ledger.Open("receiver");
        var original = new EntryId(ledger.Transfer(payer, receiver, 700).EntryId);
        ledger.Execute(new FreezeAccount(receiver, "fraud alert"));
        var until = ledger.Clock.GetUtcNow().AddHours(1);

        ledger.Refuses(Commands.Hold(receiver, payer, 700, until, LedgerWithClock.Eur)).Code.ShouldBe("account_frozen");
        var hold = new HoldId(ledger.Execute(Commands.Hold(receiver, payer, 700, until, LedgerWithClock.Eur) with { ForReversal = new ReversalId(Guid.CreateVersion7()) })
            .OfType<HoldCreated>().Single().HoldId);
        ledger.Execute(Commands.Transfer(receiver, payer, 700, LedgerWithClock.Eur, EntryKind.Reversal, original) with { FromHoldId = hold });

        ledger.Account(receiver).Balance.ShouldBe(0);
        ledger.Account(payer).Balance.ShouldBe(1_000);
    }
}
