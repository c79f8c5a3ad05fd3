using System.Collections.Concurrent;
using System.Diagnostics;
using LedgerX.Cli.Bench;

namespace LedgerX.Cli.Load;

/// <summary>Samples of one (scenario, request name, status): the unit thresholds and the summary filter on.</summary>
internal sealed class RequestSeries(string scenario, string name, string method, int status, bool expected)
{
    private readonly List<int> _micros = [];
    private long _count;

    public string Scenario { get; } = scenario;
    public string Name { get; } = name;
    public string Method { get; } = method;

    /// <summary>0 when no HTTP answer came (connection refused, reset, timeout).</summary>
    public int Status { get; } = status;

    public bool Expected { get; } = expected;
    public long Count => Interlocked.Read(ref _count);

    public void Record(int micros)
    {
        Interlocked.Increment(ref _count);
        lock (_micros)
        {
            _micros.Add(micros);
        }
    }

    public void CopyTo(List<int> into)
    {
        lock (_micros)
        {
            into.AddRange(_micros);
        }
    }
}

internal sealed class CheckSeries(string scenario, string name, string check)
{
    private long _passes;
    private long _fails;

    public string Scenario { get; } = scenario;
    public string Name { get; } = name;
    public string Check { get; } = check;
    public long Passes => Interlocked.Read(ref _passes);
    public long Fails => Interlocked.Read(ref _fails);

    public void Add(bool passed) => Interlocked.Increment(ref passed ? ref _passes : ref _fails);
}

internal sealed class ScenarioCounters
{
    private readonly List<int> _iterationMicros = [];
    private long _iterations;
    private long _dropped;
    private int _activeVus;
    private int _maxVus;

    public long Iterations => Interlocked.Read(ref _iterations);
    public long Dropped => Interlocked.Read(ref _dropped);
    public int ActiveVus => Volatile.Read(ref _activeVus);
    public int AllocatedVus => Volatile.Read(ref _maxVus);

    public void Iteration(int micros)
    {
        Interlocked.Increment(ref _iterations);
        lock (_iterationMicros)
        {
            _iterationMicros.Add(micros);
        }
    }

    public void Drop() => Interlocked.Increment(ref _dropped);

    public void VuBusy(int delta) => Interlocked.Add(ref _activeVus, delta);

    public void VusAllocated(int total) => Volatile.Write(ref _maxVus, total);

    public void CopyIterations(List<int> into)
    {
        lock (_iterationMicros)
        {
            into.AddRange(_iterationMicros);
        }
    }
}

/// <summary>A command the system acknowledged (its check passed): the chaos invariants look each one up exactly once.</summary>
public sealed record AcknowledgedCommand(string Kind, string Scenario, string IdempotencyKey, string? Id, DateTimeOffset At);

/// <summary>
/// Everything a run measures, k6-named. Recording is lock-free counters plus a short lock on a per-series list (a
/// series is one scenario × request × status, so VUs of different requests rarely contend); every latency is kept, so
/// percentiles are exact.
/// </summary>
internal sealed class LoadMetrics(TimeProvider clock)
{
    private const double TicksPerMicrosecond = TimeSpan.TicksPerMillisecond / 1000.0;

    private readonly ConcurrentDictionary<(string, string, int), RequestSeries> _requests = new();
    private readonly ConcurrentDictionary<(string, string, string), CheckSeries> _checks = new();
    private readonly ConcurrentQueue<AcknowledgedCommand> _acknowledged = new();
    private long _started = Stopwatch.GetTimestamp();
    private long _finished;
    private long _requestsAll;
    private long _failedAll;
    private long _rateLimited;

    public ConcurrentDictionary<string, ScenarioCounters> Scenarios { get; } = new(StringComparer.Ordinal);

    public IEnumerable<RequestSeries> Requests => _requests.Values;
    public IEnumerable<CheckSeries> Checks => _checks.Values;
    public IReadOnlyCollection<AcknowledgedCommand> Acknowledged => _acknowledged;

    public long RequestsAll => Interlocked.Read(ref _requestsAll);
    public long FailedAll => Interlocked.Read(ref _failedAll);

    /// <summary>429s: the gateway's per-user budget doing its job, reported on their own (and still failures).</summary>
    public long RateLimited => Interlocked.Read(ref _rateLimited);

    public void Start() => _started = Stopwatch.GetTimestamp();

    public void Finish() => _finished = Stopwatch.GetTimestamp();

    /// <summary>Wall time of the test so far (or in all, once finished): the denominator of every per-second rate.</summary>
    public TimeSpan Elapsed => _finished == 0 ? Stopwatch.GetElapsedTime(_started) : Stopwatch.GetElapsedTime(_started, _finished);

    public ScenarioCounters Scenario(string name) => Scenarios.GetOrAdd(name, _ => new ScenarioCounters());

    public void Request(string scenario, RequestSpec request, int status, long startTimestamp, long endTimestamp)
    {
        var expected = status != 0 && request.IsExpected(status);
        var series = _requests.GetOrAdd((scenario, request.Name, status), key => new RequestSeries(key.Item1, key.Item2, request.Method.Method, key.Item3, expected));
        series.Record(Micros(startTimestamp, endTimestamp));
        Interlocked.Increment(ref _requestsAll);
        if (!expected)
        {
            Interlocked.Increment(ref _failedAll);
        }
        if (status == 429)
        {
            Interlocked.Increment(ref _rateLimited);
        }
    }

    public void Check(string scenario, string request, string check, bool passed) =>
        _checks.GetOrAdd((scenario, request, check), key => new CheckSeries(key.Item1, key.Item2, key.Item3)).Add(passed);

    public void Acknowledge(string kind, string scenario, string idempotencyKey, string? id) =>
        _acknowledged.Enqueue(new AcknowledgedCommand(kind, scenario, idempotencyKey, id, clock.GetUtcNow()));

    public static int Micros(long start, long end) =>
        (int)Math.Clamp(Math.Round(Stopwatch.GetElapsedTime(start, end).Ticks / TicksPerMicrosecond), 0, int.MaxValue);

    /// <summary>The value a threshold compares: k6's aggregation of the (sub)metric over the whole run so far.</summary>
    public double? Value(ThresholdSpec threshold, IReadOnlyList<ScenarioSpec> scenarios)
    {
        bool ScenarioMatches(string scenario)
        {
            foreach (var (key, value) in threshold.Tags)
            {
                var matches = key switch
                {
                    "scenario" => scenario == value,
                    "name" or "method" or "status" or "expected_response" or "check" => true,
                    _ => scenarios.FirstOrDefault(s => s.Name == scenario)?.Tags.GetValueOrDefault(key) == value,
                };
                if (!matches)
                {
                    return false;
                }
            }
            return true;
        }

        bool RequestMatches(RequestSeries s) => ScenarioMatches(s.Scenario) && threshold.Tags.All(t => t.Key switch
        {
            "name" => s.Name == t.Value,
            "method" => s.Method == t.Value,
            "status" => s.Status.ToString(System.Globalization.CultureInfo.InvariantCulture) == t.Value,
            "expected_response" => (s.Expected ? "true" : "false") == t.Value,
            _ => true,
        });

        var seconds = Math.Max(Elapsed.TotalSeconds, 1e-9);
        switch (threshold.Metric)
        {
            case MetricNames.HttpReqs:
                var count = Requests.Where(RequestMatches).Sum(s => s.Count);
                return threshold.Aggregation == "count" ? count : count / seconds;
            case MetricNames.HttpReqFailed:
                var matching = Requests.Where(RequestMatches).ToList();
                var total = matching.Sum(s => s.Count);
                return total == 0 ? null : (double)matching.Where(s => !s.Expected).Sum(s => s.Count) / total;
            case MetricNames.HttpReqDuration:
                return Trend(Requests.Where(RequestMatches).Aggregate(new List<int>(), (list, s) => { s.CopyTo(list); return list; }), threshold);
            case MetricNames.Checks:
                var checks = Checks.Where(c => ScenarioMatches(c.Scenario) && threshold.Tags.All(t => t.Key switch
                {
                    "name" => c.Name == t.Value,
                    "check" => c.Check == t.Value,
                    _ => true,
                })).ToList();
                var all = checks.Sum(c => c.Passes + c.Fails);
                return all == 0 ? null : (double)checks.Sum(c => c.Passes) / all;
            case MetricNames.Iterations:
            case MetricNames.DroppedIterations:
                var n = Scenarios.Where(s => ScenarioMatches(s.Key)).Sum(s => threshold.Metric == MetricNames.Iterations ? s.Value.Iterations : s.Value.Dropped);
                return threshold.Aggregation == "count" ? n : n / seconds;
            case MetricNames.IterationDuration:
                return Trend(Scenarios.Where(s => ScenarioMatches(s.Key)).Aggregate(new List<int>(), (list, s) => { s.Value.CopyIterations(list); return list; }), threshold);
            default:
                throw new InvalidOperationException($"Unknown metric {threshold.Metric}.");
        }
    }

    private static double? Trend(List<int> micros, ThresholdSpec threshold)
    {
        if (micros.Count == 0)
        {
            return null;
        }
        micros.Sort();
        return threshold.Aggregation switch
        {
            "avg" => micros.Average() / 1000.0,
            "min" => micros[0] / 1000.0,
            "max" => micros[^1] / 1000.0,
            "med" => LatencySummary.Percentile(micros, 50) / 1000.0,
            "p" => LatencySummary.Percentile(micros, threshold.Percentile) / 1000.0,
            _ => throw new InvalidOperationException($"{threshold.Aggregation} is not a trend aggregation."),
        };
    }
}
