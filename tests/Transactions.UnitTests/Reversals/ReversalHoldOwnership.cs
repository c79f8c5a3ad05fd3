using LedgerX.Transactions.Domain;
using LedgerX.Transactions.Domain.Events;
using LedgerX.Transactions.UnitTests.Support;

namespace LedgerX.Transactions.UnitTests.Reversals;

/// <summary>The hold a reversal saga takes belongs to that reversal: hold.created.v1 says which (so consumers can tell it
/// from a customer's spending), and only that reversal may void it or take it. A client who learns its id can neither
/// void it nor post it, so it cannot make the saga fail.</summary>
public class ReversalHoldOwnership
{
    private readonly LedgerWithClock _ledger = new();
    private readonly AccountId _payer;
    private readonly AccountId _receiver;
    private readonly EntryId _original;
    private readonly ReversalId _reversal = new(Guid.CreateVersion7());

    public ReversalHoldOwnership()
    {
        _payer = _ledger.OpenFunded(1_000, "payer");
        _receiver = _ledger.Open("receiver");
        _original = new EntryId(_ledger.Transfer(_payer, _receiver, 700).EntryId);
    }

    /// <summary>The saga's hold step, as ReversalSteps issues it.</summary>
    private HoldId SagaHold(ReversalId reversal, long amount = 700) =>
        new(_ledger.Execute(Commands.Hold(_receiver, _payer, amount, _ledger.Clock.GetUtcNow().AddHours(1), LedgerWithClock.Eur, $"reversal {reversal}")
            with { ForReversal = reversal }).OfType<HoldCreated>().Single().HoldId);

    [Fact]
    public void TheSagasHold_CarriesItsReversalId_InTheEventAndTheState()
    {
        var created = _ledger.Execute(Commands.Hold(_receiver, _payer, 700, _ledger.Clock.GetUtcNow().AddHours(1), LedgerWithClock.Eur)
            with { ForReversal = _reversal }).OfType<HoldCreated>().Single();

        created.ReversalId.ShouldBe(_reversal.Value);
        _ledger.HoldOf(new HoldId(created.HoldId)).ReversalId.ShouldBe(_reversal);
    }

    [Fact]
    public void AClientsHold_CarriesNone()
    {
        var hold = _ledger.Hold(_receiver, _payer, 100);

        _ledger.Log.OfType<HoldCreated>().Single().ReversalId.ShouldBeNull();
        _ledger.HoldOf(hold).ReversalId.ShouldBeNull();
    }

    [Fact]
    public void AClientCannotVoidIt_AConflictNamingTheHoldAndTheReversal_NothingChanges()
    {
        var hold = SagaHold(_reversal);

        var refused = _ledger.Refuses(new VoidHold(hold));

        (refused.Kind, refused.Code).ShouldBe((LedgerErrorKind.Conflict, "hold_owned_by_reversal"));
        refused.Message.ShouldContain(hold.ToString());
        refused.Message.ShouldContain(_reversal.ToString());
        _ledger.HoldOf(hold).Status.ShouldBe(HoldStatus.Pending);
        _ledger.Account(_receiver).Held.ShouldBe(700);
    }

    [Fact]
    public void AClientCannotPostIt_NotEvenPartly()
    {
        var hold = SagaHold(_reversal);

        foreach (var amount in new long?[] { null, 100 })
        {
            var refused = _ledger.Refuses(new PostHold(hold, amount));
            (refused.Kind, refused.Code).ShouldBe((LedgerErrorKind.Conflict, "hold_owned_by_reversal"));
        }
    }

    [Fact]
    public void AnotherReversalCannotVoidIt()
    {
        var hold = SagaHold(_reversal);

        _ledger.Refuses(new VoidHold(hold, new ReversalId(Guid.CreateVersion7()))).Code.ShouldBe("hold_owned_by_reversal");
    }

    [Fact]
    public void ItsOwnReversalVoidsIt_TheSagasCompensation()
    {
        var hold = SagaHold(_reversal);

        var voided = _ledger.Execute(new VoidHold(hold, _reversal)).ShouldHaveSingleItem().ShouldBeOfType<HoldVoided>();

        voided.HoldId.ShouldBe(hold.Value);
        _ledger.Account(_receiver).Held.ShouldBe(0);
    }

    [Fact]
    public void ItsReversingEntryStillTakesIt_TheSagasPostStep()
    {
        var hold = SagaHold(_reversal);

        var events = _ledger.Execute(Commands.Transfer(_receiver, _payer, 700, LedgerWithClock.Eur, EntryKind.Reversal, _original) with { FromHoldId = hold });

        events.OfType<HoldPosted>().Single().HoldId.ShouldBe(hold.Value);
        (_ledger.Account(_receiver).Balance, _ledger.Account(_receiver).Held).ShouldBe((0, 0));
        _ledger.Account(_payer).Balance.ShouldBe(1_000);
    }

    [Fact]
    public void OnceTaken_AClientIsStillToldItIsTheReversals_NotThatItIsPosted()
    {
        var hold = SagaHold(_reversal);
        _ledger.Execute(Commands.Transfer(_receiver, _payer, 700, LedgerWithClock.Eur, EntryKind.Reversal, _original) with { FromHoldId = hold });

        _ledger.Refuses(new VoidHold(hold)).Code.ShouldBe("hold_owned_by_reversal");
    }

    [Fact]
    public void AClientsHoldIsVoidedAsBefore_ByAClient()
    {
        var hold = _ledger.Hold(_receiver, _payer, 100);

        _ledger.Execute(new VoidHold(hold)).ShouldHaveSingleItem().ShouldBeOfType<HoldVoided>();
    }

    [Fact]
    public void ReplayingTheLog_RebuildsWhichReversalOwnsEachHold()
    {
        var owned = SagaHold(_reversal, 300);
        var clients = _ledger.Hold(_receiver, _payer, 100);

        var replayed = Replay.ThroughSerializer(_ledger.Log);

        replayed.FindHold(owned)!.ReversalId.ShouldBe(_reversal);
        replayed.FindHold(clients)!.ReversalId.ShouldBeNull();
        Replay.Describe(replayed, _ledger.Holds).ShouldBe(Replay.Describe(_ledger.State, _ledger.Holds));
    }
}
