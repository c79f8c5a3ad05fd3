namespace LedgerX.LocalDapr.Hosting;

/// <summary>
/// The system's clock moved by a fixed amount: what a sidecar whose host clock is off sees (issue 19's chaos, "clock
/// skew of a workflow timer"). Give it as <see cref="SidecarOptions.TimeProvider"/>: the workflow engine stamps
/// orchestration time and fires durable timers by it, while the app keeps the true clock. Only the reading is moved;
/// waits stay in real time, as they would on a host whose wall clock is wrong.
/// </summary>
public sealed class SkewedTimeProvider(TimeSpan skew) : TimeProvider
{
    public TimeSpan Skew { get; } = skew;

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + Skew;
}
