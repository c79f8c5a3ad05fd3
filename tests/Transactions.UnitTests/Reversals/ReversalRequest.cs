using LedgerX.Transactions.Domain;
using LedgerX.Transactions.Domain.Events;
using LedgerX.Transactions.UnitTests.Support;

namespace LedgerX.Transactions.UnitTests.Reversals;

/// <summary>Asking for a reversal: which entries can be reversed, by how much, and when.</summary>
public class ReversalRequest
{
    private readonly LedgerWithClock _ledger = new();
    private readonly AccountId _payer;
    private readonly AccountId _receiver;
    private readonly TransactionPosted _transfer;

    public ReversalRequest()
    {
        _payer = _ledger.OpenFunded(10_000, "payer");
        _receiver = _ledger.Open("receiver");
        _transfer = _ledger.Transfer(_payer, _receiver, 3_000);
    }

    private RequestReversal Request(long? amount = null, string reason = "duplicate", EntryId? entry = null, long threshold = 1_000_000,
        Dictionary<string, long>? perCurrency = null) =>
        new(new ReversalId(Guid.CreateVersion7()), entry ?? new EntryId(_transfer.EntryId), amount, reason, LedgerWithClock.Start.AddDays(-1),
            new ApprovalThresholds(threshold, perCurrency ?? []));

    [Fact]
    public void DefaultsToTheWholeAmount_AndNamesWhoGivesBackToWhom()
    {
        var requested = _ledger.Execute(Request()).ShouldHaveSingleItem().ShouldBeOfType<ReversalRequested>();

        (requested.Amount, requested.Currency).ShouldBe((3_000, "EUR"));
        requested.AccountId.ShouldBe(_receiver.Value);
        requested.CounterpartyAccountId.ShouldBe(_payer.Value);
        requested.RequiresApproval.ShouldBeFalse();
    }

    [Fact]
    public void MovesNoMoney()
    {
        _ledger.Execute(Request(1_000));

        _ledger.Account(_receiver).Balance.ShouldBe(3_000);
        _ledger.Account(_receiver).Held.ShouldBe(0);
    }

    [Fact]
    public void RequiresApprovalAboveTheThreshold() =>
        _ledger.Execute(Request(threshold: 2_999)).OfType<ReversalRequested>().Single().RequiresApproval.ShouldBeTrue();

    /// <summary>The threshold is the entry's currency's own, not one raw number across currencies.</summary>
    [Fact]
    public void UsesTheThresholdOfTheEntrysCurrency_AndTheDefaultForOthers()
    {
        _ledger.Execute(Request(1_000, threshold: 1_000_000, perCurrency: new() { ["EUR"] = 999 })).OfType<ReversalRequested>().Single()
            .RequiresApproval.ShouldBeTrue();
        _ledger.Execute(Request(1_000, threshold: 999, perCurrency: new() { ["EUR"] = 1_000, ["KWD"] = 1 })).OfType<ReversalRequested>().Single()
            .RequiresApproval.ShouldBeFalse();
        _ledger.Execute(Request(1_000, threshold: 999, perCurrency: new() { ["KWD"] = 1_000_000 })).OfType<ReversalRequested>().Single()
            .RequiresApproval.ShouldBeTrue();
    }

    [Fact]
    public void RefusesMoreThanIsLeftToReverse()
    {
        _ledger.Execute(Commands.Transfer(_receiver, _payer, 2_500, LedgerWithClock.Eur, EntryKind.Reversal, new EntryId(_transfer.EntryId)));

        var refused = _ledger.Refuses(Request(501));

        (refused.Code, refused.Field).ShouldBe(("reversal_exceeds_entry", "amount"));
        _ledger.Execute(Request(500)).OfType<ReversalRequested>().Single().Amount.ShouldBe(500);
    }

    [Fact]
    public void RefusesAFullyReversedEntry()
    {
        _ledger.Execute(Commands.Transfer(_receiver, _payer, 3_000, LedgerWithClock.Eur, EntryKind.Reversal, new EntryId(_transfer.EntryId)));

        var refused = _ledger.Refuses(Request());

        (refused.Kind, refused.Code, refused.Field).ShouldBe((LedgerErrorKind.Conflict, "entry_already_reversed", "entryId"));
    }

    [Fact]
    public void RefusesAnUnknownEntry() =>
        (_ledger.Refuses(Request(entry: new EntryId(Guid.CreateVersion7()))) is var e ? (e.Code, e.Field) : default).ShouldBe(("entry_not_found", "entryId"));

    [Fact]
    public void RefusesAJournalEntryAndAReversingEntry_NamingTheEntry()
    {
        var journal = _ledger.Execute(Commands.Journal(
            Commands.Debit(_payer, 100, LedgerWithClock.Eur, 0), Commands.Credit(_receiver, 60, LedgerWithClock.Eur, 1),
            Commands.Credit(null, 40, LedgerWithClock.Eur, 2))).OfType<TransactionPosted>().Single();
        var reversing = _ledger.Execute(Commands.Transfer(_receiver, _payer, 100, LedgerWithClock.Eur, EntryKind.Reversal, new EntryId(_transfer.EntryId)))
            .OfType<TransactionPosted>().Single();

        foreach (var entry in new[] { journal.EntryId, reversing.EntryId })
        {
            var refused = _ledger.Refuses(Request(entry: new EntryId(entry)));
            (refused.Kind, refused.Code, refused.Field).ShouldBe((LedgerErrorKind.RuleViolation, "entry_not_reversible", "entryId"));
        }
    }

    [Fact]
    public void ADepositIsGivenBackByItsReceiver_ToTheWorldAccount()
    {
        var deposit = _ledger.Deposit(_receiver, 800);

        var requested = _ledger.Execute(Request(entry: new EntryId(deposit.EntryId))).OfType<ReversalRequested>().Single();

        (requested.AccountId, requested.CounterpartyAccountId, requested.Amount).ShouldBe((_receiver.Value, _ledger.World(LedgerWithClock.Eur).Id.Value, 800));
    }

    [Fact]
    public void AWithdrawalIsGivenBackByTheWorldAccount_ToItsPayer()
    {
        var withdrawal = _ledger.Withdraw(_payer, 100);

        var requested = _ledger.Execute(Request(entry: new EntryId(withdrawal.EntryId))).OfType<ReversalRequested>().Single();

        (requested.AccountId, requested.CounterpartyAccountId, requested.Amount).ShouldBe((_ledger.World(LedgerWithClock.Eur).Id.Value, _payer.Value, 100));
    }

    [Fact]
    public void RefusesAnEntryPostedBeforeTheWindow()
    {
        var request = Request() with { ReversibleSince = _ledger.Clock.GetUtcNow().AddSeconds(1) };

        var refused = _ledger.Refuses(request);

        (refused.Code, refused.Field).ShouldBe(("reversal_window_closed", "entryId"));
    }

    [Theory]
    [InlineData(0L, "x", "amount")]
    [InlineData(-5L, "x", "amount")]
    [InlineData(10L, " ", "reason")]
    public void RefusesBadFieldsByName(long amount, string reason, string field) =>
        _ledger.Refuses(Request(amount, reason)).Field.ShouldBe(field);
}
