using LedgerX.Transactions.Domain;
using LedgerX.Transactions.Domain.Events;
using LedgerX.Transactions.UnitTests.Support;

namespace LedgerX.Transactions.UnitTests.Log;

/// <summary>The event log is gapless: every appended event takes the next sequence, and applying refuses anything else.</summary>
public class EventLogAppend
{
    private readonly LedgerWithClock _ledger = new();

    [Fact]
    public void NumbersEventsFromOneWithoutGaps()
    {
        var payer = _ledger.OpenFunded(1_000, "payer");
        var payee = _ledger.Open("payee");
        var hold = _ledger.Hold(payer, payee, 100);
        _ledger.Execute(new PostHold(hold, 40));
        _ledger.Execute(new FreezeAccount(payee, "x"));
        _ledger.Execute(new FreezeAccount(payee, "again"));

        _ledger.Log.Select(e => e.Sequence).ShouldBe(Enumerable.Range(1, _ledger.Log.Count).Select(i => (long)i));
        _ledger.State.LastSequence.ShouldBe(_ledger.Log.Count);
        _ledger.Log.Select(e => e.EventId).Distinct().Count().ShouldBe(_ledger.Log.Count);
    }

    [Fact]
    public void ContinuesFromTheLastSequenceItWasGiven()
    {
        var state = new LedgerState(lastSequence: 41);
        var ledger = new Ledger(state, new Microsoft.Extensions.Time.Testing.FakeTimeProvider(LedgerWithClock.Start));

        var events = ledger.Execute(Commands.Open("customer-1", LedgerWithClock.Eur));

        events.ShouldHaveSingleItem().Sequence.ShouldBe(42);
        state.LastSequence.ShouldBe(42);
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(1L)]
    [InlineData(3L)]
    [InlineData(-1L)]
    public void ApplyRefusesAnythingButTheNextSequence(long sequence)
    {
        var state = new LedgerState(lastSequence: 1);
        var opened = Opened() with { Sequence = sequence };

        Should.Throw<InvalidOperationException>(() => state.Apply(opened));

        state.LastSequence.ShouldBe(1);
        state.Accounts.ShouldBeEmpty();
        state.ChangedAccounts.ShouldBeEmpty();
    }

    [Fact]
    public void ApplyAcceptsTheNextSequence()
    {
        var state = new LedgerState(lastSequence: 1);
        var opened = Opened() with { Sequence = 2 };

        state.Apply(opened);

        state.LastSequence.ShouldBe(2);
        state.FindAccount(new AccountId(opened.AccountId)).ShouldNotBeNull().Kind.ShouldBe(AccountKind.Customer);
    }

    [Fact]
    public void ApplyRefusesReplayingTheSameEventTwice()
    {
        var state = new LedgerState(lastSequence: 0);
        var opened = Opened() with { Sequence = 1 };
        state.Apply(opened);

        Should.Throw<InvalidOperationException>(() => state.Apply(opened));

        state.LastSequence.ShouldBe(1);
    }

    [Fact]
    public void AppendIgnoresTheSequenceItIsGiven()
    {
        var state = new LedgerState(lastSequence: 7);

        var appended = state.Append(Opened() with { Sequence = 999 });

        appended.Sequence.ShouldBe(8);
        state.LastSequence.ShouldBe(8);
    }

    [Fact]
    public void ExecuteReturnsExactlyWhatWasAppended()
    {
        var account = _ledger.Open();

        var events = _ledger.Ledger.Execute(Commands.Deposit(account, 5, LedgerWithClock.Eur));

        events.Select(e => e.Sequence).ShouldBe([2L, 3L]);
        _ledger.State.LastSequence.ShouldBe(3);
    }

    private static AccountOpened Opened() => new()
    {
        EventId = Guid.CreateVersion7(), OccurredAt = LedgerWithClock.Start, AccountId = Guid.CreateVersion7(), OwnerId = "customer-1",
        Currency = "EUR", Kind = "customer", OverdraftLimit = 0, Metadata = LedgerMetadata.Empty,
    };
}
