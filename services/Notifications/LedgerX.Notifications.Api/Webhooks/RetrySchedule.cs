namespace LedgerX.Notifications.Api.Webhooks;

/// <summary>
/// When a failed delivery is tried again: exponential ceilings (base × 4^(n−1), capped) with full jitter, i.e. a wait
/// drawn uniformly in [0, ceiling). Full jitter spreads the retries of many endpoints that failed together (a receiver's
/// outage) instead of bringing them back in one wave. With the defaults (8 attempts, 1 min base, 12 h cap) the ceilings
/// are 1 m, 4 m, 16 m, 64 m, 4.3 h, 12 h, 12 h: a delivery is retried for up to ~30 h, ~15 h on average.
/// </summary>
public static class RetrySchedule
{
    public const int Factor = 4;

    /// <summary>The ceiling of the wait after the <paramref name="failedAttempts"/>-th failed attempt (1-based).</summary>
    public static TimeSpan Ceiling(int failedAttempts, int baseDelayMs, int maxDelayMs)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(failedAttempts, 1);
        var exponential = baseDelayMs * Math.Pow(Factor, Math.Min(failedAttempts - 1, 30));
        return TimeSpan.FromMilliseconds(Math.Min(exponential, maxDelayMs));
    }

    /// <summary>The wait before the next attempt, or null when <paramref name="failedAttempts"/> used the budget up
    /// (the delivery is dead). <paramref name="unit"/> is a draw in [0, 1): Random.Shared in the dispatcher, fixed in tests.</summary>
    public static TimeSpan? NextDelay(int failedAttempts, WebhookOptions options, double unit)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(unit, 0d);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(unit, 1d);
        if (failedAttempts >= options.MaxAttempts)
        {
            return null;
        }
        return Ceiling(failedAttempts, options.RetryBaseDelayMs, options.RetryMaxDelayMs) * unit;
    }
}
