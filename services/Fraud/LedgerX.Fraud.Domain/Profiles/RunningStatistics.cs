namespace LedgerX.Fraud.Domain.Profiles;

/// <summary>
/// Count, mean and variance of a stream of values in O(1) memory, by Welford's online algorithm: numerically stable
/// where the naive sum-of-squares formula loses precision on large amounts. Immutable: <see cref="Add"/> returns a new value.
/// </summary>
public readonly record struct RunningStatistics
{
    public long Count { get; init; }
    public double Mean { get; init; }

    /// <summary>Sum of squared differences from the mean (Welford's M2).</summary>
    public double M2 { get; init; }

    /// <summary>Sample variance (n − 1); zero until there are two values.</summary>
    public double Variance => Count > 1 ? M2 / (Count - 1) : 0;

    public double StandardDeviation => Math.Sqrt(Variance);

    public RunningStatistics Add(double value)
    {
        var count = Count + 1;
        var delta = value - Mean;
        var mean = Mean + (delta / count);
        return new RunningStatistics { Count = count, Mean = mean, M2 = M2 + (delta * (value - mean)) };
    }
}
