using LedgerX.Transactions.Domain;
using LedgerX.Transactions.Domain.Events;
using LedgerX.Transactions.UnitTests.Support;

namespace LedgerX.Transactions.UnitTests.Entries;

public class FrozenAccountPosting
{
    private readonly LedgerWithClock _ledger = new();
    private readonly AccountId _frozen;
    private readonly AccountId _other;

    public FrozenAccountPosting()
    {
        _frozen = _ledger.OpenFunded(1_000, "suspect");
        _other = _ledger.OpenFunded(1_000, "victim");
        _ledger.Execute(new FreezeAccount(_frozen, "fraud alert"));
    }

    [Fact]
    public void RefusesDebitsNamingTheField()
    {
        var error = _ledger.Refuses(Commands.Transfer(_frozen, _other, 10, LedgerWithClock.Eur));

        (error.Kind, error.Code, error.Field).ShouldBe((LedgerErrorKind.RuleViolation, "account_frozen", "fromAccountId"));
        _ledger.Refuses(Commands.Withdraw(_frozen, 10, LedgerWithClock.Eur)).Code.ShouldBe("account_frozen");
    }

    [Fact]
    public void RefusesCredits()
    {
        var error = _ledger.Refuses(Commands.Transfer(_other, _frozen, 10, LedgerWithClock.Eur));

        (error.Code, error.Field).ShouldBe(("account_frozen", "toAccountId"));
        _ledger.Refuses(Commands.Deposit(_frozen, 10, LedgerWithClock.Eur)).Code.ShouldBe("account_frozen");
    }

    [Theory]
    [InlineData(EntryKind.Deposit)]
    [InlineData(EntryKind.Withdrawal)]
    [InlineData(EntryKind.Transfer)]
    [InlineData(EntryKind.Journal)]
    public void RefusesEveryKindButReversal(EntryKind kind) =>
        _ledger.Refuses(Commands.Transfer(_frozen, _other, 10, LedgerWithClock.Eur, kind)).Code.ShouldBe("account_frozen");

    [Fact]
    public void AllowsAReversalToTakeMoneyBackFromIt()
    {
        var original = _ledger.Log.OfType<TransactionPosted>().First(t => t.Postings.Any(p => p.AccountId == _frozen.Value));

        var reversal = _ledger.Execute(Commands.Transfer(_frozen, _other, 400, LedgerWithClock.Eur, EntryKind.Reversal, new EntryId(original.EntryId)))
            .ShouldHaveSingleItem().ShouldBeOfType<TransactionPosted>();

        reversal.Kind.ShouldBe("reversal");
        reversal.ReversesEntryId.ShouldBe(original.EntryId);
        _ledger.Account(_frozen).Balance.ShouldBe(600);
        _ledger.Account(_frozen).Status.ShouldBe(AccountStatus.Frozen);
    }

    [Fact]
    public void AllowsAReversalToPutMoneyBackIntoIt()
    {
        var original = _ledger.Log.OfType<TransactionPosted>().First();

        _ledger.Execute(Commands.Transfer(_other, _frozen, 100, LedgerWithClock.Eur, EntryKind.Reversal, new EntryId(original.EntryId)));

        _ledger.Account(_frozen).Balance.ShouldBe(1_100);
    }

    [Fact]
    public void AReversalStillRespectsTheFloor() =>
        _ledger.Refuses(Commands.Transfer(_frozen, _other, 1_001, LedgerWithClock.Eur, EntryKind.Reversal, new EntryId(Guid.CreateVersion7())))
            .Code.ShouldBe("insufficient_funds");

    [Fact]
    public void RefusesHoldsFromOrToIt()
    {
        var until = _ledger.Clock.GetUtcNow().AddHours(1);

        var from = _ledger.Refuses(Commands.Hold(_frozen, _other, 10, until, LedgerWithClock.Eur));
        var to = _ledger.Refuses(Commands.Hold(_other, _frozen, 10, until, LedgerWithClock.Eur));

        (from.Code, from.Field).ShouldBe(("account_frozen", "accountId"));
        (to.Code, to.Field).ShouldBe(("account_frozen", "toAccountId"));
    }

    [Fact]
    public void MoneyMovesAgainAfterUnfreezing()
    {
        _ledger.Execute(new UnfreezeAccount(_frozen));

        _ledger.Transfer(_frozen, _other, 10);

        _ledger.Account(_frozen).Balance.ShouldBe(990);
    }

    [Fact]
    public void RefusesAReversalThatReversesNothing() =>
        _ledger.Refuses(Commands.Transfer(_frozen, _other, 10, LedgerWithClock.Eur, EntryKind.Reversal, reverses: null))
            .Field.ShouldBe("reversesEntryId");

    [Fact]
    public void CannotBeClosedWhileFrozen()
    {
        var emptyFrozen = _ledger.Open("empty-suspect");
        _ledger.Execute(new FreezeAccount(emptyFrozen, "fraud alert"));

        var error = _ledger.Refuses(new CloseAccount(emptyFrozen));

        (error.Kind, error.Code).ShouldBe((LedgerErrorKind.Conflict, "account_frozen"));
    }
}

public class EntryKindRules
{
    private readonly LedgerWithClock _ledger = new();

    [Fact]
    public void APlainEntryMayNotClaimToReverseAnother()
    {
        var from = _ledger.OpenFunded(100, "a");
        var to = _ledger.Open("b");

        var error = _ledger.Refuses(Commands.Transfer(from, to, 10, LedgerWithClock.Eur, EntryKind.Transfer, new EntryId(Guid.NewGuid())));

        (error.Kind, error.Field).ShouldBe((LedgerErrorKind.Validation, "reversesEntryId"));
    }

    [Fact]
    public void HoldPostingsOnlyComeFromPostingAHold()
    {
        var from = _ledger.OpenFunded(100, "a");
        var to = _ledger.Open("b");

        var error = _ledger.Refuses(Commands.Transfer(from, to, 10, LedgerWithClock.Eur, EntryKind.HoldPost));

        (error.Kind, error.Field).ShouldBe((LedgerErrorKind.Validation, "kind"));
    }

    [Theory]
    [InlineData("postings[3].accountId", "postings[3].amount")]
    [InlineData("fromAccountId", "amount")]
    [InlineData("accountId", "amount")]
    public void ABadPostingAmountIsBlamedOnTheAmountField(string accountField, string amountField)
    {
        var from = _ledger.OpenFunded(100, "a");
        var to = _ledger.Open("b");
        var zero = new Money(0, LedgerWithClock.Eur);

        var error = _ledger.Refuses(new PostEntry(EntryKind.Journal,
            [new(from, Direction.Debit, zero, accountField), new(to, Direction.Credit, zero, "toAccountId")], EntryDetails.None));

        error.Field.ShouldBe(amountField);
    }
}
