namespace LedgerX.Fraud.IntegrationTests.Infrastructure;

/// <summary>
/// The ledger's clock in these tests: real time plus an offset a scenario moves forward, so a month of salary and
/// rent happens in seconds while the events still carry a month of timestamps. Timers stay real. Truncated to
/// microseconds like the ledger's own clock, because PostgreSQL stores microseconds.
/// </summary>
public sealed class ShiftedClock : TimeProvider
{
    private long _offsetTicks;

    public override DateTimeOffset GetUtcNow()
    {
        var now = System.GetUtcNow().AddTicks(Interlocked.Read(ref _offsetTicks));
        return new DateTimeOffset(now.Ticks - (now.Ticks % 10), TimeSpan.Zero);
    }

    /// <summary>Moves time forward (never back: the ledger's log is in time order).</summary>
    public void Advance(TimeSpan by)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(by, TimeSpan.Zero);
        Interlocked.Add(ref _offsetTicks, by.Ticks);
    }
}
