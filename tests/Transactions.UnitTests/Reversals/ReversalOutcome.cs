using LedgerX.Transactions.Domain;
using LedgerX.Transactions.Domain.Events;
using LedgerX.Transactions.UnitTests.Support;

namespace LedgerX.Transactions.UnitTests.Reversals;

/// <summary>The saga's closing milestones: recorded in the log, moving no money.</summary>
public class ReversalOutcome
{
    private readonly LedgerWithClock _ledger = new();
    private readonly ReversalId _reversal = new(Guid.CreateVersion7());
    private readonly EntryId _entry = new(Guid.CreateVersion7());

    [Fact]
    public void ACompletionIsLoggedAndMovesNoMoney()
    {
        var account = _ledger.OpenFunded(100);
        var before = _ledger.BalanceSums();

        var completed = _ledger.Execute(new CompleteReversal(_reversal, _entry, new EntryId(Guid.CreateVersion7()), new Money(100, LedgerWithClock.Eur)))
            .ShouldHaveSingleItem().ShouldBeOfType<ReversalCompleted>();

        (completed.Amount, completed.Currency, completed.Sequence).ShouldBe((100, "EUR", _ledger.State.LastSequence));
        _ledger.Account(account).Balance.ShouldBe(100);
        _ledger.BalanceSums().ShouldBe(before);
        _ledger.State.ChangedAccounts.Count().ShouldBe(2, "only the deposit's two accounts changed");
    }

    [Fact]
    public void ACompletionOfNothingIsRefused() =>
        _ledger.Refuses(new CompleteReversal(_reversal, _entry, new EntryId(Guid.CreateVersion7()), new Money(0, LedgerWithClock.Eur))).Field.ShouldBe("amount");

    [Fact]
    public void AFailureNeedsAReason() =>
        _ledger.Refuses(new FailReversal(_reversal, _entry, " ", [])).Field.ShouldBe("reason");

    [Fact]
    public void AFailureKeepsItsCompensationsInOrder_AndABoundedReason()
    {
        var failed = _ledger.Execute(new FailReversal(_reversal, _entry, new string('x', 5_000), ["entry_compensated", "hold_voided"]))
            .OfType<ReversalFailed>().Single();

        failed.Compensations.ShouldBe(["entry_compensated", "hold_voided"]);
        failed.Reason.Length.ShouldBe(FailReversal.MaxReasonLength);
    }
}
