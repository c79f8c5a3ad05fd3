using LedgerX.Fraud.Api.Alerts;
using LedgerX.Fraud.Api.Events;
using LedgerX.Fraud.Domain;

namespace LedgerX.Fraud.UnitTests.Consumption;

public class MovementExtractionFrom
{
    private static readonly Guid Customer = Guid.CreateVersion7();
    private static readonly Guid Other = Guid.CreateVersion7();
    private static readonly Guid World = Guid.CreateVersion7();

    private static TransactionPosted Posted(string kind, params PostedLine[] lines) =>
        new(Guid.CreateVersion7(), DateTimeOffset.UnixEpoch, Guid.CreateVersion7(), kind, lines);

    private static PostedLine Debit(Guid account, long amount) => new(account, "debit", amount, "EUR");

    private static PostedLine Credit(Guid account, long amount) => new(account, "credit", amount, "EUR");

    [Fact]
    public void ADeposit_IsAnInflowOfTheCustomerOnly_WithNoCounterparty()
    {
        var movement = MovementExtraction.From(Posted("deposit", Debit(World, 500), Credit(Customer, 500))).Single().Movement;

        movement.AccountId.ShouldBe(Customer);
        movement.Direction.ShouldBe(MovementDirection.Inflow);
        movement.Amount.ShouldBe(500);
        movement.Counterparty.ShouldBeNull();
    }

    [Fact]
    public void AWithdrawal_IsAnOutflowOfTheCustomerOnly()
    {
        var movement = MovementExtraction.From(Posted("withdrawal", Credit(World, 300), Debit(Customer, 300))).Single().Movement;

        movement.AccountId.ShouldBe(Customer);
        movement.Direction.ShouldBe(MovementDirection.Outflow);
    }

    [Fact]
    public void ATransfer_IsAnOutflowAndAnInflow_EachNamingTheOtherAsCounterparty()
    {
        var movements = MovementExtraction.From(Posted("transfer", Debit(Customer, 700), Credit(Other, 700)));

        movements.Single(m => m.Movement.AccountId == Customer).Movement.Counterparty.ShouldBe(Other.ToString());
        movements.Single(m => m.Movement.AccountId == Other).Movement.Counterparty.ShouldBe(Customer.ToString());
        movements.ShouldAllBe(m => m.Topic == Topics.TransactionPosted && m.EntryId != null);
    }

    [Fact]
    public void AReversal_IsNotCustomerBehaviour()
    {
        MovementExtraction.From(Posted("reversal", Debit(Other, 700), Credit(Customer, 700))).ShouldBeEmpty();
    }

    [Fact]
    public void AHoldPost_OnlyAddsTheCredit_TheDebitWasScoredWhenTheHoldWasCreated()
    {
        var movement = MovementExtraction.From(Posted("hold_post", Debit(Customer, 400), Credit(Other, 400))).Single().Movement;

        movement.AccountId.ShouldBe(Other);
        movement.Direction.ShouldBe(MovementDirection.Inflow);
    }

    [Fact]
    public void AJournalEntryTouchingAnAccountTwice_IsItsNetEffect()
    {
        var movements = MovementExtraction.From(Posted("journal", Debit(Customer, 1000), Credit(Customer, 300), Credit(Other, 700)));

        var net = movements.Single(m => m.Movement.AccountId == Customer).Movement;
        net.Direction.ShouldBe(MovementDirection.Outflow);
        net.Amount.ShouldBe(700);
        net.Counterparty.ShouldBe(Other.ToString());
    }

    [Fact]
    public void AHoldCreated_IsAnOutflowToItsPayee()
    {
        var hold = new HoldCreated(Guid.CreateVersion7(), DateTimeOffset.UnixEpoch, Guid.CreateVersion7(), Customer, Other, 250, "EUR");

        var sourced = MovementExtraction.From(hold).ShouldHaveSingleItem();

        sourced.HoldId.ShouldBe(hold.HoldId);
        sourced.Movement.Direction.ShouldBe(MovementDirection.Outflow);
        sourced.Movement.Counterparty.ShouldBe(Other.ToString());
    }

    /// <summary>The saga's hold reserves what the ledger gives back to the payer of a reversed entry: not the holder's
    /// spending, like the reversal entry that takes it. For a withdrawal's reversal it sits on the world account.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AReversalsHold_IsNotCustomerBehaviour_NotEvenOnTheWorldAccount(bool onTheWorldAccount)
    {
        var (holder, payee) = onTheWorldAccount ? (World, Customer) : (Other, Customer);
        var hold = new HoldCreated(Guid.CreateVersion7(), DateTimeOffset.UnixEpoch, Guid.CreateVersion7(), holder, payee, 700, "EUR", Guid.CreateVersion7());

        hold.IsComplete.ShouldBeTrue();
        MovementExtraction.From(hold).ShouldBeEmpty();
    }

    [Fact]
    public void IncompletePayloadsAreRecognised()
    {
        Posted("deposit", Debit(World, 1), Credit(Customer, 1)).IsComplete.ShouldBeTrue();
        Posted("deposit", Debit(World, 1)).IsComplete.ShouldBeFalse();
        Posted("deposit", Debit(World, 1), new PostedLine(Customer, "sideways", 1, "EUR")).IsComplete.ShouldBeFalse();
        Posted("deposit", Debit(World, 1), Credit(Customer, 1)).With(p => p with { EventId = null }).IsComplete.ShouldBeFalse();
        new HoldCreated(Guid.CreateVersion7(), DateTimeOffset.UnixEpoch, Guid.CreateVersion7(), Customer, null, 1, "EUR").IsComplete.ShouldBeFalse();
    }
}

internal static class RecordExtensions
{
    public static T With<T>(this T value, Func<T, T> change) => change(value);
}
