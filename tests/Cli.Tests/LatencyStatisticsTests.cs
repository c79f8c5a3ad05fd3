using LedgerX.Cli.Bench;

namespace LedgerX.Cli.Tests;

public sealed class LatencySummaryPercentile
{
    private static readonly int[] OneToHundred = Enumerable.Range(1, 100).ToArray();

    [Theory]
    [InlineData(50, 50)]
    [InlineData(95, 95)]
    [InlineData(99, 99)]
    [InlineData(100, 100)]
    [InlineData(0.5, 1)]
    public void IsTheNearestRankOfOneToHundred(double p, int expected) =>
        LatencySummary.Percentile(OneToHundred, p).ShouldBe(expected);

    [Fact]
    public void RoundsTheRankUpSoTheTailIsNeverUnderstated()
    {
        int[] ten = [1, 2, 3, 4, 5, 6, 7, 8, 9, 1000];

        LatencySummary.Percentile(ten, 95).ShouldBe(1000);
        LatencySummary.Percentile(ten, 90).ShouldBe(9);
        LatencySummary.Percentile(ten, 50).ShouldBe(5);
    }

    [Fact]
    public void OfOneSampleIsThatSample()
    {
        LatencySummary.Percentile([42], 50).ShouldBe(42);
        LatencySummary.Percentile([42], 99).ShouldBe(42);
    }

    [Fact]
    public void RefusesNoSamplesAndPercentagesOutsideZeroToHundred()
    {
        Should.Throw<ArgumentOutOfRangeException>(() => LatencySummary.Percentile([], 50));
        Should.Throw<ArgumentOutOfRangeException>(() => LatencySummary.Percentile(OneToHundred, 0));
        Should.Throw<ArgumentOutOfRangeException>(() => LatencySummary.Percentile(OneToHundred, 100.1));
    }
}

public sealed class LatencyRecorderSummarize
{
    [Fact]
    public void ReportsExactPercentilesInMillisecondsWhateverTheArrivalOrder()
    {
        var recorder = new LatencyRecorder(10_000);
        // 1..1000 µs in a scrambled but deterministic order (7 is coprime to 1000, so every value appears once).
        for (var i = 0; i < 1000; i++)
        {
            recorder.RecordMicroseconds(((i * 7) % 1000) + 1);
        }

        var summary = recorder.Summarize();

        summary.Count.ShouldBe(1000);
        summary.Dropped.ShouldBe(0);
        summary.MinMs.ShouldBe(0.001);
        summary.P50Ms.ShouldBe(0.5);
        summary.P95Ms.ShouldBe(0.95);
        summary.P99Ms.ShouldBe(0.99);
        summary.MaxMs.ShouldBe(1.0);
        summary.MeanMs.ShouldBe(0.5005, tolerance: 1e-9);
    }

    [Fact]
    public void KeepsAtMostItsCapacityAndCountsTheRestAsDropped()
    {
        var recorder = new LatencyRecorder(10);
        for (var i = 1; i <= 15; i++)
        {
            recorder.RecordMicroseconds(i * 1000);
        }

        recorder.Recorded.ShouldBe(10);
        recorder.Dropped.ShouldBe(5);
        var summary = recorder.Summarize();
        summary.Count.ShouldBe(10);
        summary.Dropped.ShouldBe(5);
        summary.MaxMs.ShouldBe(10.0);
    }

    [Fact]
    public void RecordsFromManyThreadsWithoutLosingSamples()
    {
        var recorder = new LatencyRecorder(100_000);

        Parallel.For(0, 8, _ =>
        {
            for (var i = 0; i < 10_000; i++)
            {
                recorder.RecordMicroseconds(250);
            }
        });

        recorder.Recorded.ShouldBe(80_000);
        recorder.Summarize().P99Ms.ShouldBe(0.25);
    }

    [Fact]
    public void OfAnEmptyWindowIsAllZeros() =>
        new LatencyRecorder(10).Summarize().ShouldBe(LatencySummary.Empty);

    [Fact]
    public void SizesItsBufferForTheWindowWithinTheBound()
    {
        LatencyRecorder.ForWindow(TimeSpan.FromSeconds(30)).Capacity.ShouldBe(1_500_000);
        LatencyRecorder.ForWindow(TimeSpan.FromHours(1)).Capacity.ShouldBe(LatencyRecorder.MaxCapacity);
        LatencyRecorder.ForWindow(TimeSpan.Zero).Capacity.ShouldBe(10_000);
    }
}
