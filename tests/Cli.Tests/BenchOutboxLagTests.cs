using LedgerX.Cli.Bench;
using LedgerX.Cli.Commands;
using System.CommandLine;

namespace LedgerX.Cli.Tests;

public sealed class BenchCommandParseSidecar
{
    private static ParseResult Parse(string line) => new RootCommand { BenchCommand.Create() }.Parse(line);

    [Fact]
    public void TakesTheSidecarWithTheBenchsOwnService() => Parse("bench --sidecar --mode uniform --rate 1000").Errors.ShouldBeEmpty();

    [Fact]
    public void RefusesTheSidecarWithAServiceItDidNotStart() =>
        Parse("bench --sidecar --url http://127.0.0.1:5100").Errors.ShouldHaveSingleItem().Message.ShouldContain("drop --url");
}

public sealed class OutboxLagSummary
{
    private static OutboxSample At(double seconds, long depth, double ageMs) => new(TimeSpan.FromSeconds(seconds), depth, ageMs);

    [Fact]
    public void TakesTheMaximaTheLookAtTheWindowsEndAndTheDrainTimeAfterIt()
    {
        var lag = OutboxLag.From([At(0.1, 2000, 900), At(1.1, 40, 30), At(2.1, 300, 250), At(3.1, 120, 80), At(4.4, 0, 0)],
            windowEnd: TimeSpan.FromSeconds(3.5), drainedAt: TimeSpan.FromSeconds(4.4));

        (lag.Samples, lag.MaxDepth, lag.MaxAgeMs, lag.DepthAtEnd, lag.AgeAtEndMs).ShouldBe((5, 2000L, 900.0, 120L, 80.0));
        lag.DrainSeconds.ShouldNotBeNull().ShouldBe(0.9, tolerance: 1e-9);
    }

    [Fact]
    public void AnOutboxNeverSeenEmptyHasNoDrainTime() =>
        OutboxLag.From([At(0.5, 10, 5), At(1.5, 20, 1500)], TimeSpan.FromSeconds(1), drainedAt: null).DrainSeconds.ShouldBeNull();

    [Theory]
    [InlineData("1234 56.789\n", 1234L, 56.789)]
    [InlineData("0 0\n", 0L, 0.0)]
    public void ReadsPsqlsUnalignedLine(string output, long depth, double ageMs) =>
        OutboxLagSampler.Parse(TimeSpan.FromSeconds(2), output).ShouldBe(new OutboxSample(TimeSpan.FromSeconds(2), depth, ageMs));

    [Theory]
    [InlineData("")]
    [InlineData("psql: error: connection refused")]
    [InlineData("12")]
    public void SkipsALookThatIsNotOne(string output) => OutboxLagSampler.Parse(TimeSpan.Zero, output).ShouldBeNull();
}
