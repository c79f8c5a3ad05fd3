using LedgerX.Fraud.Domain.Profiles;

namespace LedgerX.Fraud.UnitTests.Profiles;

public class RunningStatisticsAdd
{
    [Fact]
    public void MatchesTheTwoPassMeanAndSampleVariance()
    {
        double[] values = [1200, 5400, 830, 999, 12_000, 4500, 4500, 77];
        var stats = values.Aggregate(new RunningStatistics(), (s, v) => s.Add(v));

        var mean = values.Average();
        var variance = values.Sum(v => (v - mean) * (v - mean)) / (values.Length - 1);
        stats.Count.ShouldBe(values.Length);
        stats.Mean.ShouldBe(mean, 1e-9);
        stats.Variance.ShouldBe(variance, 1e-6);
        stats.StandardDeviation.ShouldBe(Math.Sqrt(variance), 1e-9);
    }

    [Fact]
    public void HasNoVarianceBeforeTwoValues()
    {
        new RunningStatistics().Variance.ShouldBe(0);
        new RunningStatistics().Add(42).Variance.ShouldBe(0);
        new RunningStatistics().Add(42).Mean.ShouldBe(42);
    }

    [Fact]
    public void StaysStableOnLargeNearlyEqualAmounts()
    {
        // The naive E[x²] − E[x]² cancels catastrophically here; Welford does not.
        var stats = Enumerable.Range(0, 1000).Aggregate(new RunningStatistics(), (s, i) => s.Add(1e12 + (i % 2)));

        stats.Variance.ShouldBe(0.25025, 1e-3);
    }
}
