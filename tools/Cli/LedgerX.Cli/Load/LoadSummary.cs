using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LedgerX.Cli.Bench;

namespace LedgerX.Cli.Load;

/// <summary>Latency and counts of one slice of a run (everything, a scenario, or a scenario's request kind).</summary>
internal sealed record SliceStats(string Scenario, string Name, long Requests, double PerSecond, long Failed, long RateLimited,
    LatencySummary Latency, double P90Ms, IReadOnlyDictionary<int, long> Statuses, long CheckPasses, long CheckFails);

/// <summary>
/// The end-of-test summary: k6's shape (thresholds ✓/✗ first, then the metrics) plus a table per scenario and request
/// kind, and the JSON export (k6's handleSummary data: <c>metrics.NAME.values</c>, <c>metrics.NAME.thresholds.EXPR.ok</c>).
/// </summary>
internal static class LoadSummary
{
    public static SliceStats Slice(LoadResult result, string? scenario, string? name)
    {
        var series = result.Metrics.Requests.Where(s => (scenario is null || s.Scenario == scenario) && (name is null || s.Name == name)).ToList();
        var micros = new List<int>();
        foreach (var s in series)
        {
            s.CopyTo(micros);
        }
        micros.Sort();
        var checks = result.Metrics.Checks.Where(c => (scenario is null || c.Scenario == scenario) && (name is null || c.Name == name)).ToList();
        var requests = series.Sum(s => s.Count);
        return new SliceStats(scenario ?? "*", name ?? "*", requests, requests / Math.Max(result.Duration.TotalSeconds, 1e-9),
            series.Where(s => !s.Expected).Sum(s => s.Count), series.Where(s => s.Status == 429).Sum(s => s.Count),
            LatencySummary.FromSorted(micros, 0), micros.Count == 0 ? 0 : LatencySummary.Percentile(micros, 90) / 1000.0,
            series.GroupBy(s => s.Status).ToDictionary(g => g.Key, g => g.Sum(s => s.Count)),
            checks.Sum(c => c.Passes), checks.Sum(c => c.Fails));
    }

    /// <summary>Every (scenario, request name) that ran, in the file's order.</summary>
    public static IEnumerable<(string Scenario, string Name)> Kinds(LoadResult result) =>
        result.Script.Scenarios.SelectMany(s => result.Script.Mixes[s.Exec].Select(r => (s.Name, r.Name)))
            .Where(k => result.Metrics.Requests.Any(r => r.Scenario == k.Item1 && r.Name == k.Item2));

    public static string Human(LoadResult result, string? loadAverage)
    {
        var text = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        text.AppendLine(inv, $"  target {result.Target}  duration {result.Duration.TotalSeconds:0.0} s{(loadAverage is null ? "" : $"  load average {loadAverage}")}");
        if (result.AbortedBy is not null)
        {
            text.AppendLine(inv, $"  ABORTED by threshold {result.AbortedBy} (abortOnFail)");
        }
        text.AppendLine();
        foreach (var t in result.Thresholds)
        {
            var value = t.Value is null ? "no data" : t.Value.Value.ToString("0.####", inv);
            text.AppendLine(inv, $"  {(t.Passed ? "✓" : "✗")} {t.Spec.Source} {t.Spec.Expression}  ({Aggregation(t.Spec)}={value})");
        }
        if (result.Thresholds.Count > 0)
        {
            text.AppendLine();
        }
        var all = Slice(result, null, null);
        var checks = all.CheckPasses + all.CheckFails;
        text.AppendLine(inv, $"  {Dots("checks")}: {(checks == 0 ? 0 : 100.0 * all.CheckPasses / checks):0.00}% ✓ {all.CheckPasses} ✗ {all.CheckFails}");
        text.AppendLine(inv, $"  {Dots("http_req_duration")}: {Trend(all)}");
        text.AppendLine(inv, $"  {Dots("http_req_failed")}: {(all.Requests == 0 ? 0 : 100.0 * all.Failed / all.Requests):0.00}% ✓ {all.Failed} ✗ {all.Requests - all.Failed}");
        text.AppendLine(inv, $"  {Dots("http_reqs")}: {all.Requests} {all.PerSecond:0.0}/s");
        text.AppendLine(inv, $"  {Dots("rate limited (429)")}: {all.RateLimited}");
        foreach (var (name, counters) in result.Metrics.Scenarios.OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            text.AppendLine(inv, $"  {Dots($"iterations{{scenario:{name}}}")}: {counters.Iterations} {counters.Iterations / Math.Max(result.Duration.TotalSeconds, 1e-9):0.0}/s  " +
                                 $"dropped_iterations {counters.Dropped}  vus_max {counters.AllocatedVus}");
        }
        text.AppendLine();
        text.AppendLine(inv, $"  {"scenario",-14} {"request",-22} {"reqs",8} {"req/s",8} {"failed",7} {"429",5} {"p50 ms",8} {"p95 ms",8} {"p99 ms",8}  statuses");
        foreach (var (scenario, name) in Kinds(result))
        {
            var s = Slice(result, scenario, name);
            text.AppendLine(inv, $"  {scenario,-14} {name,-22} {s.Requests,8} {s.PerSecond,8:0.0} {s.Failed,7} {s.RateLimited,5} {s.Latency.P50Ms,8:0.0} " +
                                 $"{s.Latency.P95Ms,8:0.0} {s.Latency.P99Ms,8:0.0}  {string.Join(' ', s.Statuses.OrderBy(x => x.Key).Select(x => $"{(x.Key == 0 ? "transport" : x.Key)}×{x.Value}"))}");
        }
        return text.ToString();
    }

    public static JsonObject Json(LoadResult result, string? loadAverage)
    {
        var metrics = new JsonObject();
        void AddSlices(string? scenario, string? name)
        {
            var s = Slice(result, scenario, name);
            var suffix = scenario is null ? "" : name is null ? $"{{scenario:{scenario}}}" : $"{{scenario:{scenario},name:{name}}}";
            metrics[MetricNames.HttpReqs + suffix] = Metric("counter", new JsonObject { ["count"] = s.Requests, ["rate"] = s.PerSecond });
            metrics[MetricNames.HttpReqFailed + suffix] = Metric("rate", new JsonObject
            {
                ["rate"] = s.Requests == 0 ? 0 : (double)s.Failed / s.Requests, ["passes"] = s.Failed, ["fails"] = s.Requests - s.Failed,
            });
            metrics[MetricNames.HttpReqDuration + suffix] = Metric("trend", new JsonObject
            {
                ["avg"] = s.Latency.MeanMs, ["min"] = s.Latency.MinMs, ["med"] = s.Latency.P50Ms, ["max"] = s.Latency.MaxMs,
                ["p(90)"] = s.P90Ms, ["p(95)"] = s.Latency.P95Ms, ["p(99)"] = s.Latency.P99Ms,
            });
            metrics["http_req_rate_limited" + suffix] = Metric("counter", new JsonObject { ["count"] = s.RateLimited });
            metrics[MetricNames.Checks + suffix] = Metric("rate", new JsonObject
            {
                ["rate"] = s.CheckPasses + s.CheckFails == 0 ? 1 : (double)s.CheckPasses / (s.CheckPasses + s.CheckFails),
                ["passes"] = s.CheckPasses, ["fails"] = s.CheckFails,
            });
        }
        AddSlices(null, null);
        foreach (var scenario in result.Script.Scenarios)
        {
            AddSlices(scenario.Name, null);
            var counters = result.Metrics.Scenario(scenario.Name);
            metrics[$"{MetricNames.Iterations}{{scenario:{scenario.Name}}}"] = Metric("counter", new JsonObject
            {
                ["count"] = counters.Iterations, ["rate"] = counters.Iterations / Math.Max(result.Duration.TotalSeconds, 1e-9),
            });
            metrics[$"{MetricNames.DroppedIterations}{{scenario:{scenario.Name}}}"] = Metric("counter", new JsonObject { ["count"] = counters.Dropped });
            metrics[$"vus_max{{scenario:{scenario.Name}}}"] = Metric("gauge", new JsonObject { ["value"] = counters.AllocatedVus });
        }
        foreach (var (scenario, name) in Kinds(result))
        {
            AddSlices(scenario, name);
        }
        foreach (var group in result.Thresholds.GroupBy(t => t.Spec.Source))
        {
            var entry = metrics[group.Key] as JsonObject ?? (JsonObject)(metrics[group.Key] = Metric(MetricNames.Types[group.First().Spec.Metric].ToString().ToLowerInvariant(), []));
            entry["thresholds"] = new JsonObject(group.Select(t => KeyValuePair.Create<string, JsonNode?>(t.Spec.Expression,
                new JsonObject { ["ok"] = t.Passed, ["value"] = t.Value })));
        }
        return new JsonObject
        {
            ["state"] = new JsonObject { ["testRunDurationMs"] = result.Duration.TotalMilliseconds, ["abortedBy"] = result.AbortedBy },
            ["options"] = new JsonObject { ["target"] = result.Target.ToString(), ["description"] = result.Script.Description, ["loadAverage"] = loadAverage },
            ["thresholdsPassed"] = result.ThresholdsPassed,
            ["metrics"] = metrics,
            ["acknowledged"] = new JsonArray([.. result.Acknowledged.Select(a => (JsonNode)new JsonObject
            {
                ["kind"] = a.Kind, ["scenario"] = a.Scenario, ["idempotencyKey"] = a.IdempotencyKey, ["id"] = a.Id, ["at"] = a.At,
            })]),
        };
    }

    public static string JsonText(LoadResult result, string? loadAverage) =>
        Json(result, loadAverage).ToJsonString(new JsonSerializerOptions { WriteIndented = true });

    private static JsonObject Metric(string type, JsonObject values) => new() { ["type"] = type, ["values"] = values };

    private static string Aggregation(ThresholdSpec spec) => spec.Aggregation == "p"
        ? string.Create(CultureInfo.InvariantCulture, $"p({spec.Percentile})")
        : spec.Aggregation;

    private static string Trend(SliceStats s) => string.Create(CultureInfo.InvariantCulture,
        $"avg={s.Latency.MeanMs:0.00}ms min={s.Latency.MinMs:0.00}ms med={s.Latency.P50Ms:0.00}ms max={s.Latency.MaxMs:0.00}ms p(90)={s.P90Ms:0.00}ms p(95)={s.Latency.P95Ms:0.00}ms p(99)={s.Latency.P99Ms:0.00}ms");

    private static string Dots(string name) => name.Length >= 32 ? name : name + new string('.', 32 - name.Length);
}
