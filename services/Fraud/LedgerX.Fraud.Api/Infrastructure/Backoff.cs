namespace LedgerX.Fraud.Api.Infrastructure;

internal static class Backoff
{
    /// <summary>Exponential from the base, capped, with up to 20 % jitter so replicas that failed together do not
    /// retry together.</summary>
    public static TimeSpan For(int attempts, DispatchOptions options)
    {
        var exponential = options.BackoffBaseMs * Math.Pow(2, Math.Min(attempts - 1, 20));
        return TimeSpan.FromMilliseconds(Math.Min(exponential, options.BackoffMaxMs) * (1 + (Random.Shared.NextDouble() * 0.2)));
    }
}
