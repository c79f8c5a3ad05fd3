using LedgerX.Transactions.Domain;
using LedgerX.Transactions.Domain.Events;
using LedgerX.Transactions.UnitTests.Support;

namespace LedgerX.Transactions.UnitTests.Reversals;

/// <summary>Reversing a deposit (the money leaves the ledger again) or a withdrawal (it comes back in): the saga's hold
/// and reversing entry name the currency's world account, which only reversals may; clients still cannot.</summary>
public class ReversalThroughTheWorldAccount
{
    private readonly LedgerWithClock _ledger = new();
    private readonly AccountId _customer;

    public ReversalThroughTheWorldAccount() => _customer = _ledger.Open("customer");

    private AccountId World => _ledger.World(LedgerWithClock.Eur).Id;

    private DateTimeOffset InAnHour => _ledger.Clock.GetUtcNow().AddHours(1);

    /// <summary>The saga's hold step: funds reserved on the receiver, for the payer.</summary>
    private CreateHold SagaHold(AccountId receiver, AccountId payer, long amount) =>
        Commands.Hold(receiver, payer, amount, InAnHour, LedgerWithClock.Eur, "reversal test") with { ForReversal = new ReversalId(Guid.CreateVersion7()) };

    /// <summary>The saga's post step: the receiver gives back, taking the funds of the saga's hold.</summary>
    private static PostEntry SagaPost(AccountId receiver, AccountId payer, long amount, EntryId original, HoldId hold) =>
        Commands.Transfer(receiver, payer, amount, LedgerWithClock.Eur, EntryKind.Reversal, original) with { FromHoldId = hold };

    private HoldId Held(CreateHold hold) => new(_ledger.Execute(hold).OfType<HoldCreated>().Single().HoldId);

    [Fact]
    public void ADepositReversal_HoldsOnTheCustomerForTheWorld_ThenPostsTheMoneyOutOfTheLedger()
    {
        var deposit = new EntryId(_ledger.Deposit(_customer, 800).EntryId);

        var hold = Held(SagaHold(_customer, World, 800));
        _ledger.Account(_customer).Available.ShouldBe(0);
        var events = _ledger.Execute(SagaPost(_customer, World, 800, deposit, hold));

        var posted = events.OfType<TransactionPosted>().Single();
        (posted.Kind, posted.ReversesEntryId, posted.HoldId).ShouldBe(("reversal", deposit.Value, hold.Value));
        posted.Postings.Select(p => (p.AccountId, p.Direction, p.Amount)).ShouldBe([(_customer.Value, "debit", 800L), (World.Value, "credit", 800L)]);
        (_ledger.Account(_customer).Balance, _ledger.Account(_customer).Held).ShouldBe((0, 0));
        _ledger.World(LedgerWithClock.Eur).Balance.ShouldBe(0);
        _ledger.State.FindEntry(deposit)!.RemainingIn(LedgerWithClock.Eur).ShouldBe(0);
        _ledger.BalanceSums()["EUR"].ShouldBe(0);
    }

    [Fact]
    public void AWithdrawalReversal_HoldsOnTheWorldForTheCustomer_ThenPostsTheMoneyBackIn()
    {
        _ledger.Deposit(_customer, 1_000);
        var withdrawal = new EntryId(_ledger.Withdraw(_customer, 300).EntryId);

        var hold = Held(SagaHold(World, _customer, 300));
        var events = _ledger.Execute(SagaPost(World, _customer, 300, withdrawal, hold));

        var holdPosted = events.OfType<HoldPosted>().Single();
        (holdPosted.AccountId, holdPosted.Amount, holdPosted.ReleasedAmount).ShouldBe((World.Value, 300, 0));
        _ledger.Account(_customer).Balance.ShouldBe(1_000);
        (_ledger.World(LedgerWithClock.Eur).Balance, _ledger.World(LedgerWithClock.Eur).Held).ShouldBe((-1_000, 0));
        _ledger.BalanceSums()["EUR"].ShouldBe(0);
    }

    [Fact]
    public void ADepositReversalAfterTheMoneyWasSpent_IsRefusedAtTheHold_NothingChanges()
    {
        _ledger.Deposit(_customer, 800);
        _ledger.Withdraw(_customer, 500);

        var refused = _ledger.Refuses(SagaHold(_customer, World, 800));

        (refused.Code, refused.Field).ShouldBe(("insufficient_funds", "amount"));
    }

    [Fact]
    public void ADepositReversalNeverTakesTheCustomerBelowItsLimit_EvenWithoutAHold()
    {
        var deposit = new EntryId(_ledger.Deposit(_customer, 800).EntryId);
        _ledger.Withdraw(_customer, 500);

        var refused = _ledger.Refuses(Commands.Transfer(_customer, World, 800, LedgerWithClock.Eur, EntryKind.Reversal, deposit));

        (refused.Code, refused.Field).ShouldBe(("insufficient_funds", "fromAccountId"));
    }

    [Fact]
    public void ACompensationOfADepositReversal_GivesTheMoneyBackToTheCustomer_AndTheDepositIsReversibleAgain()
    {
        var deposit = new EntryId(_ledger.Deposit(_customer, 800).EntryId);
        var reversing = _ledger.Execute(SagaPost(_customer, World, 800, deposit, Held(SagaHold(_customer, World, 800))))
            .OfType<TransactionPosted>().Single();

        _ledger.Execute(Commands.Transfer(World, _customer, 800, LedgerWithClock.Eur, EntryKind.Reversal, new EntryId(reversing.EntryId)));

        _ledger.Account(_customer).Balance.ShouldBe(800);
        _ledger.State.FindEntry(deposit)!.RemainingIn(LedgerWithClock.Eur).ShouldBe(800);
        _ledger.BalanceSums()["EUR"].ShouldBe(0);
    }

    [Fact]
    public void AWithdrawalReversalIsBoundedByTheWithdrawal()
    {
        _ledger.Deposit(_customer, 1_000);
        var withdrawal = new EntryId(_ledger.Withdraw(_customer, 300).EntryId);

        var refused = _ledger.Refuses(Commands.Transfer(World, _customer, 301, LedgerWithClock.Eur, EntryKind.Reversal, withdrawal));

        (refused.Code, refused.Field).ShouldBe(("reversal_exceeds_entry", "amount"));
    }

    [Fact]
    public void ReplayingTheLogGivesTheSameState()
    {
        _ledger.Deposit(_customer, 1_000);
        var withdrawal = new EntryId(_ledger.Withdraw(_customer, 300).EntryId);
        _ledger.Execute(SagaPost(World, _customer, 300, withdrawal, Held(SagaHold(World, _customer, 300))));
        Held(SagaHold(World, _customer, 50)); // still pending: the world account's held amount replays too

        var replayed = Replay.ThroughSerializer(_ledger.Log);

        Replay.Describe(replayed, _ledger.Holds).ShouldBe(Replay.Describe(_ledger.State, _ledger.Holds));
    }

    [Fact]
    public void ClientsStillCannotNameTheWorldAccount_InAJournalEntryOrAHold()
    {
        _ledger.Deposit(_customer, 1_000);

        var journal = _ledger.Refuses(Commands.Journal(Commands.Debit(_customer, 10, LedgerWithClock.Eur, 0), Commands.Credit(World, 10, LedgerWithClock.Eur, 1)));
        var hold = _ledger.Refuses(Commands.Hold(World, _customer, 10, InAnHour, LedgerWithClock.Eur));

        (journal.Code, journal.Field).ShouldBe(("world_account", "postings[1].accountId"));
        (hold.Code, hold.Field).ShouldBe(("world_account", "accountId"));
    }

    [Fact]
    public void AReversalsHoldOnTheWorldSide_CannotBePostedOrVoidedLikeAClientsHold()
    {
        _ledger.Deposit(_customer, 1_000);
        var outOfTheLedger = Held(SagaHold(_customer, World, 100));
        var intoTheLedger = Held(SagaHold(World, _customer, 100));

        foreach (var hold in new[] { outOfTheLedger, intoTheLedger })
        {
            var posted = _ledger.Refuses(new PostHold(hold, null));
            var voided = _ledger.Refuses(new VoidHold(hold));
            (posted.Kind, posted.Code).ShouldBe((LedgerErrorKind.Conflict, "hold_owned_by_reversal"));
            (voided.Kind, voided.Code).ShouldBe((LedgerErrorKind.Conflict, "hold_owned_by_reversal"));
        }
    }

    /// <summary>A saga's hold made before holds recorded their reversal (its event has no reversalId): nothing marks it,
    /// but with a world account on a side it is still a reversal's, and posting it is still refused.</summary>
    [Fact]
    public void AWorldSideHoldFromBeforeReversalIds_StillCannotBePosted()
    {
        _ledger.Deposit(_customer, 1_000);
        var legacy = new HoldId(Guid.CreateVersion7());
        _ledger.State.Append(new HoldCreated
        {
            EventId = Guid.CreateVersion7(), OccurredAt = _ledger.Clock.GetUtcNow(), HoldId = legacy.Value, AccountId = World.Value,
            ToAccountId = _customer.Value, Amount = 100, Currency = "EUR", ExpiresAt = InAnHour, Description = "reversal from before",
        });

        var refused = Should.Throw<LedgerRuleException>(() => _ledger.Execute(new PostHold(legacy, null))).Error;

        (refused.Kind, refused.Code).ShouldBe((LedgerErrorKind.Conflict, "world_account"));
        _ledger.State.FindHold(legacy)!.ReversalId.ShouldBeNull();
    }
}
