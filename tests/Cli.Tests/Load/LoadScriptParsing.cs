using System.CommandLine;
using LedgerX.Cli.Commands;
using LedgerX.Cli.Load;

namespace LedgerX.Cli.Tests.Load;

public sealed class LoadScriptParsing
{
    private const string Mix = """ "mixes": { "m": [ { "name": "r", "path": "/x" } ] } """;

    private static string Parse(string json) => Should.Throw<LoadScriptException>(() => LoadScriptParser.Parse(json, "bad.json")).Message;

    [Theory]
    [InlineData("""{ "scenarios": { "s": { "executor": "constant-arrival-rat", "exec": "m" } }, MIX }""",
        "bad.json: scenarios.s.executor 'constant-arrival-rat' is not one of constant-arrival-rate")]
    [InlineData("""{ "scenarios": { "s": { "executor": "constant-arrival-rate", "rate": 10, "duration": "10s", "exec": "m" } }, MIX }""",
        "scenarios.s.preAllocatedVUs is required")]
    [InlineData("""{ "scenarios": { "s": { "executor": "constant-vus", "vus": 1, "duration": "10 sec", "exec": "m" } }, MIX }""",
        "scenarios.s.duration '10 sec' is not a duration")]
    [InlineData("""{ "scenarios": { "s": { "executor": "constant-vus", "vus": 1, "duration": "1s", "exec": "nope" } }, MIX }""",
        "scenarios.s.exec names no mix: 'nope' (mixes: m)")]
    [InlineData("""{ "scenarios": { "s": { "executor": "constant-vus", "vus": 1, "duration": "1s", "exec": "m", "rampUp": "1s" } }, MIX }""",
        "scenarios.s.rampUp is not a known setting")]
    [InlineData("""{ "scenarios": { "s": { "executor": "ramping-vus", "exec": "m" } }, MIX }""", "scenarios.s.stages ramping-vus needs at least one stage")]
    [InlineData("""{ "scenarios": { "s": { "executor": "constant-vus", "vus": 1, "duration": "1s", "exec": "m" } }, MIX, "thresholds": { "http_req_duration": ["rate<1"] } }""",
        "http_req_duration is a trend metric; its thresholds use avg, min, max, med, p(N)")]
    [InlineData("""{ "scenarios": { "s": { "executor": "constant-vus", "vus": 1, "duration": "1s", "exec": "m" } }, MIX, "thresholds": { "http_req_latency": ["p(95)<1"] } }""",
        "names an unknown metric 'http_req_latency'")]
    [InlineData("""{ "scenarios": { "s": { "executor": "constant-vus", "vus": 1, "duration": "1s", "exec": "m" } }, MIX, "thresholds": { "http_req_duration{scenario:t}": ["p(95)<1"] } }""",
        "names no scenario: 't'")]
    [InlineData("""{ "scenarios": { "s": { "executor": "constant-vus", "vus": 1, "duration": "1s", "exec": "m" } }, MIX, "thresholds": { "http_req_failed": ["rate less 1"] } }""",
        "'rate less 1' is not AGGREGATION OPERATOR NUMBER")]
    [InlineData("""{ "scenarios": { "s": { "executor": "constant-vus", "vus": 1, "duration": "1s", "exec": "m" } }, "mixes": { "m": [ { "name": "r", "path": "/{{acount}}" } ] } }""",
        "mixes.m[0].path: unknown placeholder '{{acount}}'")]
    [InlineData("""{ "scenarios": { "s": { "executor": "constant-vus", "vus": 1, "duration": "1s", "exec": "m" } }, "mixes": { "m": [ { "name": "r", "path": "/{{var.id}}" } ] } }""",
        "every request requires a captured variable")]
    [InlineData("""{ "scenarios": {}, MIX }""", "scenarios needs at least one scenario")]
    [InlineData("""{ "scenarios": { "s": { "executor": "constant-vus", "vus": 1, "duration": "1s", "exec": "m" } }, MIX, }, }""", "bad.json: not valid JSON")]
    public void AMistakeIsNamedWithItsPlace(string json, string expected) => Parse(json.Replace("MIX", Mix, StringComparison.Ordinal)).ShouldContain(expected);

    [Fact]
    public void K6DefaultsApply()
    {
        var script = LoadScriptParser.Parse("""
            { "scenarios": { "s": { "executor": "constant-arrival-rate", "rate": 30, "timeUnit": "1m", "duration": "2m", "preAllocatedVUs": 3, "exec": "m" } }, MIX,
              "thresholds": { "http_req_duration{scenario:s,name:r}": ["p(99.9)<250", { "threshold": "avg<50", "abortOnFail": true, "delayAbortEval": "10s" }] } }
            """.Replace("MIX", Mix, StringComparison.Ordinal), "ok.json");

        var s = script.Scenarios.ShouldHaveSingleItem();
        s.MaxVus.ShouldBe(3, "maxVUs defaults to preAllocatedVUs");
        s.GracefulStop.ShouldBe(TimeSpan.FromSeconds(30));
        s.StartTime.ShouldBe(TimeSpan.Zero);
        s.PeakRatePerSecond.ShouldBe(0.5);
        script.Thresholds.Count.ShouldBe(2);
        script.Thresholds[0].Percentile.ShouldBe(99.9);
        script.Thresholds[0].Tags.ShouldBe(new Dictionary<string, string> { ["scenario"] = "s", ["name"] = "r" });
        script.Thresholds[1].AbortOnFail.ShouldBeTrue();
        script.Thresholds[1].DelayAbortEval.ShouldBe(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void EveryScenarioFileInTheRepositoryParses()
    {
        var files = Directory.GetFiles(LedgerX.Testing.RepositoryRoot.PathOf("load"), "*.json");
        files.ShouldNotBeEmpty();
        foreach (var file in files)
        {
            var script = LoadScriptParser.Load(file);
            script.Thresholds.ShouldNotBeEmpty(file);
            script.Scenarios.ShouldAllBe(s => s.IsOpenLoop, file);
        }
    }

    [Fact]
    public void ABadFileExitsWithSetupFailedBeforeAnyRequest()
    {
        var path = Path.Combine(Path.GetTempPath(), $"load-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, """{ "scenarios": { "s": { "executor": "warp-speed" } } }""");
        try
        {
            new RootCommand { LoadCommand.Create() }.Parse(["load", path, "--url", "http://127.0.0.1:9/"]).Invoke().ShouldBe(3);
        }
        finally
        {
            File.Delete(path);
        }
    }
}

public sealed class CapacitySearchSteps
{
    private static CapacityStep Step(double rate, bool held) => new(rate, rate, 1, 1, 0, 0, 0, held);

    [Fact]
    public void GrowsByHalfUntilAStepFailsThenBisects()
    {
        var steps = new List<CapacityStep>();
        CapacitySearch.Next(steps, 100, 5000).ShouldBe(100);
        steps.Add(Step(100, true));
        CapacitySearch.Next(steps, 100, 5000).ShouldBe(150);
        steps.Add(Step(150, true));
        CapacitySearch.Next(steps, 100, 5000).ShouldBe(225);
        steps.Add(Step(225, false));
        CapacitySearch.Next(steps, 100, 5000).ShouldBe(187.5);
        steps.Add(Step(187.5, true));
        CapacitySearch.Next(steps, 100, 5000).ShouldBe(206.2);
        steps.Add(Step(206.2, true));
        CapacitySearch.Next(steps, 100, 5000).ShouldBe(215.6);
        steps.Add(Step(215.6, false));
        CapacitySearch.Next(steps, 100, 5000).ShouldBeNull("206.2 and 215.6 are within 5 %");
    }

    [Fact]
    public void StopsAtTheMaximumRate()
    {
        var steps = new List<CapacityStep> { Step(4000, true) };
        CapacitySearch.Next(steps, 100, 5000).ShouldBe(5000);
        steps.Add(Step(5000, true));
        CapacitySearch.Next(steps, 100, 5000).ShouldBeNull();
    }
}
