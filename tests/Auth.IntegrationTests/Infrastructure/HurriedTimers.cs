namespace LedgerX.Auth.IntegrationTests.Infrastructure;

/// <summary>
/// The system clock, whose timers fire <see cref="Factor"/> times sooner: for a client that waits between polls (the
/// CLI's device flow waits the RFC's 5 s before each poll), so a test of what it does with the answer does not sit out
/// the waits. The time it reads (deadlines, expiry) is the real one.
/// </summary>
public sealed class HurriedTimers(int factor = 10) : TimeProvider
{
    public int Factor { get; } = factor;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        TimeProvider.System.CreateTimer(callback, state, Hurry(dueTime), Hurry(period));

    private TimeSpan Hurry(TimeSpan span) => span == Timeout.InfiniteTimeSpan || span <= TimeSpan.Zero ? span : span / Factor;
}
