using System.CommandLine;
using System.Diagnostics;
using System.Text;
using LedgerX.Cli.Commands;
using LedgerX.Cli.LiveLatency;

namespace LedgerX.Cli.Tests;

public sealed class LiveLatencyCommandParse
{
    private static ParseResult Parse(string line) => new RootCommand { LiveLatencyCommand.Create() }.Parse(line);

    [Fact]
    public void DefaultsStayUnderOneCustomersGatewayWriteBudgetForThirtySeconds()
    {
        var result = Parse("live-latency");

        result.Errors.ShouldBeEmpty();
        result.GetValue<double>("--rate").ShouldBe(8);
        result.GetValue<TimeSpan>("--duration").ShouldBe(TimeSpan.FromSeconds(30));
        result.GetValue<TimeSpan>("--frame-timeout").ShouldBe(TimeSpan.FromSeconds(30));
        result.GetValue<long>("--amount").ShouldBe(1);
    }

    [Fact]
    public void TakesTheGatewayTokensAndPace()
    {
        var result = Parse("live-latency --url http://gw:8080 --rate 50 --duration 1m --frame-timeout 2m --token c --funding-token t --json out.json");

        result.Errors.ShouldBeEmpty();
        result.GetValue<string>("--url").ShouldBe("http://gw:8080");
        result.GetValue<double>("--rate").ShouldBe(50);
        result.GetValue<TimeSpan>("--duration").ShouldBe(TimeSpan.FromMinutes(1));
        result.GetValue<TimeSpan>("--frame-timeout").ShouldBe(TimeSpan.FromMinutes(2));
        result.GetValue<string>("--token").ShouldBe("c");
        result.GetValue<string>("--funding-token").ShouldBe("t");
        result.GetValue<string>("--json").ShouldBe("out.json");
    }

    [Theory]
    [InlineData("live-latency --rate 0", "--rate: 0 is out of range")]
    [InlineData("live-latency --rate 5000", "--rate: 5000 is out of range")]
    [InlineData("live-latency --duration 3x", "--duration: '3x' is not a duration")]
    [InlineData("live-latency --duration 500ms", "must be between 1s and 60m")]
    [InlineData("live-latency --frame-timeout soon", "--frame-timeout: 'soon' is not a duration")]
    [InlineData("live-latency --amount 0", "--amount: 0 is out of range")]
    public void RefusesBadValuesByName(string line, string expected) =>
        Parse(line).Errors.ShouldHaveSingleItem().Message.ShouldContain(expected);

    [Theory]
    [InlineData(20, 30, 600)]
    [InlineData(2.5, 4, 10)]
    [InlineData(0.1, 1, 1)]
    public void TheRunMakesRateTimesDurationTransfersAndAtLeastOne(double rate, int seconds, int expected) =>
        new LiveLatencySettings(new Uri("http://gw/"), rate, TimeSpan.FromSeconds(seconds), 1, TimeSpan.FromSeconds(30), "c", "t", null)
            .Transfers.ShouldBe(expected);
}

public sealed class LiveFrameParse
{
    private static LiveFrame? Parse(string json) => LiveFrame.Parse(Encoding.UTF8.GetBytes(json));

    [Fact]
    public void ReadsTheKindAndTheEntryOfAnItem()
    {
        var entry = Guid.CreateVersion7();
        var frame = Parse($$$"""{"id":4711,"kind":"transaction.debited","amount":{"amount":1,"currency":"EUR"},"data":{"entryId":"{{{entry}}}","description":"x"}}""");

        frame.ShouldBe(new LiveFrame("transaction.debited", entry));
    }

    [Fact]
    public void AControlFrameHasNoEntry() =>
        Parse("""{"kind":"live.ready","data":{"lastEventId":"12"}}""").ShouldBe(new LiveFrame(LiveFrame.Ready, null));

    [Theory]
    [InlineData("not json")]
    [InlineData("[1,2]")]
    [InlineData("""{"id":1}""")]
    [InlineData("""{"kind":7}""")]
    public void WhatIsNotAnItemIsNull(string json) => Parse(json).ShouldBeNull();

    [Fact]
    public void AnEntryIdThatIsNoUuidIsNoEntry() =>
        Parse("""{"kind":"transaction.credited","data":{"entryId":"e-1"}}""").ShouldBe(new LiveFrame("transaction.credited", null));
}

public sealed class LatencyMatcherPairs
{
    /// <summary>A Stopwatch timestamp <paramref name="ms"/> milliseconds after an arbitrary origin.</summary>
    private static long At(double ms) => 1_000_000 + (long)(ms * Stopwatch.Frequency / 1000);

    [Fact]
    public void MeasuresFromTheTwoHundredAndOneToTheFirstFrameBesideTheRoundTrip()
    {
        var matcher = new LatencyMatcher();
        var entry = Guid.NewGuid();

        matcher.Acknowledged(entry, sentAt: At(0), acknowledgedAt: At(12));
        matcher.Outstanding.ShouldBe(1);
        matcher.Frame(entry, At(40));
        matcher.Frame(entry, At(41)); // the credit side of the same entry: counted, not measured again
        var result = matcher.Result(attempted: 1);

        matcher.Outstanding.ShouldBe(0);
        result.CommitToFrame.P50Ms.ShouldBe(28, tolerance: 0.01);
        result.RoundTrip.MaxMs.ShouldBe(12, tolerance: 0.01);
        result.FramesForTransfers.ShouldBe(2);
        (result.Matched, result.Lost, result.FramesBeforeAcknowledgement).ShouldBe((1, 0, 0));
        result.Passed.ShouldBeTrue();
    }

    [Fact]
    public void AFrameBeforeItsTwoHundredAndOneCountsAsZeroAndIsCountedApart()
    {
        var matcher = new LatencyMatcher();
        var entry = Guid.NewGuid();

        matcher.Frame(entry, At(5));
        matcher.Acknowledged(entry, At(0), At(9));
        var result = matcher.Result(1);

        result.FramesBeforeAcknowledgement.ShouldBe(1);
        result.CommitToFrame.MaxMs.ShouldBe(0);
        result.UnmatchedFrames.ShouldBe(0);
        result.Passed.ShouldBeTrue();
    }

    [Fact]
    public void ACommittedTransferWithoutAFrameIsLostAndFailsTheRun()
    {
        var matcher = new LatencyMatcher();
        matcher.Acknowledged(Guid.NewGuid(), At(0), At(10));
        var seen = Guid.NewGuid();
        matcher.Acknowledged(seen, At(0), At(10));
        matcher.Frame(seen, At(20));

        var result = matcher.Result(2);

        (result.Matched, result.Lost).ShouldBe((1, 1));
        result.Passed.ShouldBeFalse();
    }

    [Fact]
    public void AFailedTransferFailsTheRunAndIsCountedByWhatWentWrong()
    {
        var matcher = new LatencyMatcher();
        matcher.Failed("HTTP 429 rate_limited");
        matcher.Failed("HTTP 429 rate_limited");
        matcher.Failed("transport: connection refused");

        var result = matcher.Result(3);

        result.Failures.ShouldBe(new Dictionary<string, int> { ["HTTP 429 rate_limited"] = 2, ["transport: connection refused"] = 1 });
        result.Failed.ShouldBe(3);
        result.Passed.ShouldBeFalse();
    }

    [Fact]
    public void FramesAboutOtherEntriesAreCountedButFailNothing()
    {
        var matcher = new LatencyMatcher();
        var entry = Guid.NewGuid();
        matcher.Frame(Guid.NewGuid(), At(1)); // the funding deposit's frame, arriving late
        matcher.Acknowledged(entry, At(0), At(3));
        matcher.Frame(entry, At(4));

        var result = matcher.Result(1);

        result.UnmatchedFrames.ShouldBe(1);
        result.FramesForTransfers.ShouldBe(1);
        result.Passed.ShouldBeTrue();
    }

    [Fact]
    public void PercentilesAreNearestRankOverEveryTransfer()
    {
        var matcher = new LatencyMatcher();
        for (var i = 1; i <= 200; i++)
        {
            var entry = Guid.NewGuid();
            matcher.Acknowledged(entry, At(0), At(1000));
            matcher.Frame(entry, At(1000 + i)); // 1 ms .. 200 ms
        }

        var summary = matcher.Result(200).CommitToFrame;

        summary.Count.ShouldBe(200);
        summary.P50Ms.ShouldBe(100, tolerance: 0.01);
        summary.P95Ms.ShouldBe(190, tolerance: 0.01);
        summary.P99Ms.ShouldBe(198, tolerance: 0.01);
        summary.MaxMs.ShouldBe(200, tolerance: 0.01);
        summary.MeanMs.ShouldBe(100.5, tolerance: 0.01);
    }
}

public sealed class LiveLatencyReportProblems
{
    private static LiveLatencyReport Report(LiveLatencyResult result, string? closed = null) =>
        new(DateTimeOffset.UnixEpoch, 2, 3.5, 4.25, "http://127.0.0.1:8080/", 20, 30, 30, result, closed);

    private static LiveLatencyResult Run(Action<LatencyMatcher> steps, int attempted)
    {
        var matcher = new LatencyMatcher();
        steps(matcher);
        return matcher.Result(attempted);
    }

    [Fact]
    public void APassingRunHasNoProblemsAndSaysTheMachinesLoad()
    {
        var entry = Guid.NewGuid();
        var report = Report(Run(m => { m.Acknowledged(entry, 0, 10); m.Frame(entry, 20); }, 1));

        report.Problems().ShouldBeEmpty();
        report.Machine().ShouldBe("2 cores, load average 3.50 before, 4.25 after; 20 transfers/s for 30 s");
        report.Counts().ShouldStartWith("transfers: 1 sent, 1 committed (201), 0 failed; frames matched 1, lost 0");
    }

    [Fact]
    public void LostFramesFailedTransfersAndAClosedFeedAreEachNamed()
    {
        var report = Report(Run(m => { m.Acknowledged(Guid.NewGuid(), 0, 10); m.Failed("HTTP 500"); }, 2),
            closed: "server closed the WebSocket: PolicyViolation slow_consumer");

        report.Problems().ShouldBe([
            "1 of 1 committed transfers never reached the WebSocket within 30 s",
            "1 transfers failed: HTTP 500",
            "server closed the WebSocket: PolicyViolation slow_consumer",
        ]);
        report.ToJson().ShouldContain("\"lost\": 1");
    }
}
