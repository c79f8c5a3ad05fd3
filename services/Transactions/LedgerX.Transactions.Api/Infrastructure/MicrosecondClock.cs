namespace LedgerX.Transactions.Api.Infrastructure;

/// <summary>
/// The system clock truncated to whole microseconds, PostgreSQL's timestamp precision. Without it a response built
/// in memory (say expiresAt …28.2651988) would differ from the same value read back from the database (…28.265198).
/// </summary>
public sealed class MicrosecondClock(TimeProvider inner) : TimeProvider
{
    public override DateTimeOffset GetUtcNow()
    {
        var now = inner.GetUtcNow();
        return now.AddTicks(-(now.Ticks % TimeSpan.TicksPerMicrosecond));
    }

    public override long GetTimestamp() => inner.GetTimestamp();
    public override long TimestampFrequency => inner.TimestampFrequency;
    public override TimeZoneInfo LocalTimeZone => inner.LocalTimeZone;
}
