using System.Net;

namespace LedgerX.Cli.Load;

/// <summary>What a run looks like right now: the progress line, and what chaos watches while it breaks things.</summary>
public sealed record LoadProgress(TimeSpan Elapsed, long Requests, long Failed, long RateLimited, long Iterations, long Dropped, int ActiveVus,
    int AcknowledgedCommands);

/// <summary>A threshold's verdict at the end (or at the abort).</summary>
internal sealed record ThresholdResult(ThresholdSpec Spec, double? Value, bool Passed);

/// <summary>The end of a run: every metric, every threshold's verdict, every acknowledged command.</summary>
internal sealed record LoadResult(LoadScript Script, Uri Target, LoadMetrics Metrics, TimeSpan Duration, IReadOnlyList<ThresholdResult> Thresholds,
    string? AbortedBy)
{
    public bool ThresholdsPassed => Thresholds.All(t => t.Passed);

    public IReadOnlyCollection<AcknowledgedCommand> Acknowledged => Metrics.Acknowledged;
}

/// <summary>
/// The engine's entry point, for `ledgerx load` and for chaos scenarios: starts every scenario of a script at its
/// startTime against <c>target</c> as the users of <c>users</c>, and evaluates abortOnFail thresholds once a second
/// (k6 evaluates every 2 s). <see cref="Progress"/> reads live counters; <see cref="Completion"/> gives the result.
/// </summary>
internal sealed class LoadRun : IAsyncDisposable
{
    /// <summary>k6's default request timeout.</summary>
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(60);

    private static readonly TimeSpan AbortEvaluation = TimeSpan.FromSeconds(1);

    private readonly LoadScript _script;
    private readonly LoadMetrics _metrics;
    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly CancellationTokenSource _abort;
    private string? _abortedBy;

    private LoadRun(LoadScript script, Uri target, HttpClient? http, TimeProvider clock, CancellationToken ct)
    {
        _script = script;
        _metrics = new LoadMetrics(clock);
        _ownsHttp = http is null;
        _http = http ?? CreateHttpClient(script.Scenarios.Sum(s => Math.Max(s.MaxVus, s.Vus)));
        _abort = CancellationTokenSource.CreateLinkedTokenSource(ct);
        Target = target.AbsoluteUri.EndsWith('/') ? target : new Uri(target.AbsoluteUri + "/");
        Clock = clock;
    }

    public Uri Target { get; }
    public TimeProvider Clock { get; }
    public Task<LoadResult> Completion { get; private set; } = null!;

    /// <summary>Starts the run; it ends by itself when every scenario has (or on <paramref name="ct"/>, or an abortOnFail).</summary>
    public static LoadRun Start(LoadScript script, Uri target, UserPool users, CancellationToken ct, HttpClient? http = null, TimeProvider? clock = null)
    {
        var run = new LoadRun(script, target, http, clock ?? TimeProvider.System, ct);
        run.Completion = run.RunAsync(users);
        return run;
    }

    public static LoadRun Start(string scriptFile, Uri target, UserPool users, CancellationToken ct) =>
        Start(LoadScriptParser.Load(scriptFile), target, users, ct);

    /// <summary>Ends the run early (chaos: the fault scenario is over), keeping what was measured.</summary>
    public Task StopAsync() => _abort.CancelAsync();

    public LoadProgress Progress() => new(_metrics.Elapsed, _metrics.RequestsAll, _metrics.FailedAll, _metrics.RateLimited,
        _metrics.Scenarios.Values.Sum(s => s.Iterations), _metrics.Scenarios.Values.Sum(s => s.Dropped), _metrics.Scenarios.Values.Sum(s => s.ActiveVus),
        _metrics.Acknowledged.Count);

    /// <summary>One client for the whole run: one connection pool sized to the VUs (a VU has at most one request in
    /// flight), no cookies, no redirects followed (a 302 is an answer to check), no proxy lookup.</summary>
    public static HttpClient CreateHttpClient(int maxVus) => new(new SocketsHttpHandler
    {
        MaxConnectionsPerServer = Math.Max(1, maxVus),
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(2),
        ConnectTimeout = TimeSpan.FromSeconds(10),
        UseCookies = false,
        AllowAutoRedirect = false,
        UseProxy = false,
        AutomaticDecompression = DecompressionMethods.None,
    })
    {
        Timeout = RequestTimeout,
    };

    private async Task<LoadResult> RunAsync(UserPool users)
    {
        await Task.Yield();
        _metrics.Start();
        var executors = _script.Scenarios
            .Select(s => new ScenarioExecutor(new ScenarioContext(s, _script.Mixes[s.Exec], _metrics, _http, Target, users), Clock))
            .Select(e => e.RunAsync(_abort.Token))
            .ToArray();
        var all = Task.WhenAll(executors);
        var watching = WatchAbortThresholdsAsync(all);
        try
        {
            await all;
        }
        finally
        {
            _metrics.Finish();
            await watching;
        }
        var verdicts = _script.Thresholds.Select(t => Evaluate(t)).ToList();
        return new LoadResult(_script, Target, _metrics, _metrics.Elapsed, verdicts, _abortedBy);
    }

    private ThresholdResult Evaluate(ThresholdSpec threshold)
    {
        var value = _metrics.Value(threshold, _script.Scenarios);
        // k6 passes a threshold over a metric that has no samples; the summary shows "no data" beside it.
        return new ThresholdResult(threshold, value, value is null || threshold.Passes(value.Value));
    }

    private async Task WatchAbortThresholdsAsync(Task run)
    {
        var aborting = _script.Thresholds.Where(t => t.AbortOnFail).ToList();
        if (aborting.Count == 0)
        {
            return;
        }
        while (!run.IsCompleted)
        {
            await Task.WhenAny(run, Task.Delay(AbortEvaluation, Clock));
            var elapsed = _metrics.Elapsed;
            foreach (var threshold in aborting.Where(t => elapsed >= t.DelayAbortEval))
            {
                if (!Evaluate(threshold).Passed)
                {
                    _abortedBy ??= $"{threshold.Source}: {threshold.Expression}";
                    await _abort.CancelAsync();
                    return;
                }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _abort.CancelAsync();
        if (Completion is not null)
        {
            try
            {
                await Completion;
            }
            catch (Exception) when (_abort.IsCancellationRequested)
            {
            }
        }
        _abort.Dispose();
        if (_ownsHttp)
        {
            _http.Dispose();
        }
    }
}
