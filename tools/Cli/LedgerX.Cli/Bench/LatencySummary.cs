namespace LedgerX.Cli.Bench;

/// <summary>Latency statistics of one run, in milliseconds.</summary>
internal sealed record LatencySummary(int Count, int Dropped, double MinMs, double MeanMs, double P50Ms, double P95Ms, double P99Ms, double MaxMs)
{
    public static readonly LatencySummary Empty = new(0, 0, 0, 0, 0, 0, 0, 0);

    public static LatencySummary FromSorted(IReadOnlyList<int> sortedMicros, int dropped)
    {
        if (sortedMicros.Count == 0)
        {
            return Empty with { Dropped = dropped };
        }
        var sum = 0.0;
        for (var i = 0; i < sortedMicros.Count; i++)
        {
            sum += sortedMicros[i];
        }
        return new LatencySummary(sortedMicros.Count, dropped, Ms(sortedMicros[0]), sum / sortedMicros.Count / 1000.0,
            Ms(Percentile(sortedMicros, 50)), Ms(Percentile(sortedMicros, 95)), Ms(Percentile(sortedMicros, 99)), Ms(sortedMicros[^1]));
    }

    /// <summary>Nearest-rank percentile: the smallest sample such that at least p % of the samples are at or below
    /// it. Always an observed value (no interpolation), so p99 of a run is a latency some request really had.</summary>
    public static int Percentile(IReadOnlyList<int> sorted, double p)
    {
        ArgumentOutOfRangeException.ThrowIfZero(sorted.Count);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(p, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(p, 100);
        // p * count first: exact for integral p, where p / 100 * count can land a hair above an integer.
        var rank = (int)Math.Ceiling(p * sorted.Count / 100.0);
        return sorted[Math.Clamp(rank, 1, sorted.Count) - 1];
    }

    private static double Ms(int micros) => micros / 1000.0;
}
