using LedgerX.Transactions.Domain;
using LedgerX.Transactions.Domain.Events;
using LedgerX.Transactions.UnitTests.Support;

namespace LedgerX.Transactions.UnitTests.Holds;

/// <summary>"Expires in N seconds" is measured from the request's arrival, not from when the writer decides it.</summary>
public class HoldRelativeExpiry
{
    private readonly LedgerWithClock _ledger = new();
    private readonly AccountId _payer;
    private readonly AccountId _payee;

    public HoldRelativeExpiry()
    {
        _payer = _ledger.OpenFunded(1_000, "payer");
        _payee = _ledger.Open("payee");
    }

    [Fact]
    public void AOneSecondHoldDecidedThreeSecondsAfterItArrived_IsCreated_WithTheExpiryItAskedFor()
    {
        var arrived = _ledger.Clock.GetUtcNow();
        _ledger.Clock.Advance(TimeSpan.FromSeconds(3));

        var created = _ledger.Execute(Commands.Hold(_payer, _payee, 300, arrived.AddSeconds(1), LedgerWithClock.Eur) with { RequestedAt = arrived })
            .ShouldHaveSingleItem().ShouldBeOfType<HoldCreated>();

        created.ExpiresAt.ShouldBe(arrived.AddSeconds(1));
        _ledger.HoldOf(new HoldId(created.HoldId)).IsExpiredAt(_ledger.Clock.GetUtcNow()).ShouldBeTrue();
    }

    [Fact]
    public void AHoldExpiringWhenItArrived_IsRefused()
    {
        var arrived = _ledger.Clock.GetUtcNow();

        var error = _ledger.Refuses(Commands.Hold(_payer, _payee, 300, arrived, LedgerWithClock.Eur) with { RequestedAt = arrived });

        (error.Code, error.Field).ShouldBe(("validation", "expiresInSeconds"));
    }

    [Fact]
    public void WithoutAnArrivalTime_TheExpiryMustBeAfterTheDecision()
    {
        var error = _ledger.Refuses(Commands.Hold(_payer, _payee, 300, _ledger.Clock.GetUtcNow(), LedgerWithClock.Eur));

        error.Field.ShouldBe("expiresInSeconds");
    }
}
