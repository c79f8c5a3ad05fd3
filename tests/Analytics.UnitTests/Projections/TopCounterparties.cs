using LedgerX.Analytics.Api.Events;
using LedgerX.Analytics.Api.Projections;
using static LedgerX.Analytics.UnitTests.Projections.Entries;

namespace LedgerX.Analytics.UnitTests.Projections;

public sealed class TopCounterparties
{
    [Fact]
    public void ATransfer_IsSentByThePayer_AndReceivedByThePayee()
    {
        var changes = Projector.Posted(Transfer(Alice, Bob, 400, "2026-11-28T10:00:00Z"));

        changes.Counterparties.ShouldBe(
        [
            new CounterpartyIncrement(Alice, Bob, "EUR", SentMinor: 400, ReceivedMinor: 0),
            new CounterpartyIncrement(Bob, Alice, "EUR", SentMinor: 0, ReceivedMinor: 400),
        ], ignoreOrder: true);
    }

    [Fact]
    public void ADeposit_HasTheWorldAccountAsCounterparty()
    {
        var deposit = Entry("deposit", "2026-11-28T10:00:00Z", new PostingLine(World, PostingLine.Debit, 1000, "EUR", -1000), new PostingLine(Alice, PostingLine.Credit, 1000, "EUR", 1000));

        Projector.Posted(deposit).Counterparties.ShouldContain(new CounterpartyIncrement(Alice, World, "EUR", 0, 1000));
    }

    [Fact]
    public void AMultiLegEntry_NamesNoCounterparty()
    {
        var split = Entry("journal", "2026-11-28T10:00:00Z",
            new PostingLine(Alice, PostingLine.Debit, 300, "EUR", -300), new PostingLine(Bob, PostingLine.Credit, 200, "EUR", 200), new PostingLine(Carol, PostingLine.Credit, 100, "EUR", 100));

        Projector.Posted(split).Counterparties.ShouldBeEmpty();
    }

    [Fact]
    public void TwoPostingsOnTheSameAccount_NameNoCounterparty()
    {
        var self = Entry("journal", "2026-11-28T10:00:00Z", new PostingLine(Alice, PostingLine.Debit, 5, "EUR", -5), new PostingLine(Alice, PostingLine.Credit, 5, "EUR", 0));

        Projector.Posted(self).Counterparties.ShouldBeEmpty();
    }
}
