using System.Diagnostics;
using LedgerX.Cli.Load;
using LedgerX.Cli.Load.Users;
using LedgerX.EndToEnd.Tests.Notifications;
using LedgerX.Testing;

namespace LedgerX.EndToEnd.Tests.Observability;

/// <summary>
/// Issue 18's dashboard criterion, against the real thing: Debian's Prometheus, configured from observability/, scrapes
/// every app and sidecar of the running system; then every query of every panel of every Grafana dashboard is run
/// through Prometheus's HTTP API and must parse and return data, and every recording rule must evaluate without error
/// and produce series.
/// <para>
/// The data comes from what the system has been asked. The apps keep every series a request created in their /metrics,
/// so a Prometheus started after the run's other tests (this class runs last, after the mixed load:
/// <see cref="SystemCollectionOrder"/>) sees most of them within its first scrapes. Whatever is still empty once every
/// target has been scraped a few times is then caused here: `ledgerx load`'s mixed file goes through the gateway with
/// this test's own users, a live connection receives an item, and a transfer is refused (the ledger's 4xx panel). Run
/// alone, the test does all of that. Panels whose event cannot happen in this system as configured say 0 themselves
/// (<c>or vector(0)</c>: no fraud alert, no policy action with dapr.yaml's policy "None", no dead letter).
/// </para>
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class EveryDashboardPanelHasData(LedgerXSystem system)
{
    /// <summary>Per scenario: six scenarios make ~18 requests/s, far under every budget (as MixedLoadThroughTheGateway).</summary>
    private const double RatePerScenario = 3;

    /// <summary>nlp-service allows 3 unfinished questions per user; one a second over six customers stays under it.</summary>
    private const double NlpRate = 1;

    private const string NlpMix = "nlp";
    private const int PoolCustomers = 6;
    private const int MaxVus = 60;

    /// <summary>Set-up attempts for the user pool (see <see cref="PrepareUsersAsync"/>).</summary>
    private const int PoolAttempts = 3;

    /// <summary>Scrapes of every target before what is still empty counts as not caused yet: a rate needs two samples,
    /// and the recording rules (evaluated every second) one evaluation after those; the rest is margin.</summary>
    private const int SettledScrapes = 5;

    /// <summary>Long enough for the slowest panel: a reversal saga that finishes, read by the 10 s reversal poll.</summary>
    private static readonly TimeSpan LoadDuration = TimeSpan.FromSeconds(120);

    /// <summary>A hang guard over pool preparation, the load and the queries; never a timing assertion.</summary>
    private static readonly TimeSpan Guard = TimeSpan.FromMinutes(8);

    /// <summary>[5m] and [15m] windows keep data long after the load; [1m] ones for a minute: asked this long after it.</summary>
    private static readonly TimeSpan QueryAfterLoad = TimeSpan.FromSeconds(60);

    /// <summary>Prometheus answers these queries in milliseconds; with 1 s scrapes a shorter pause only repeats them.</summary>
    private static readonly TimeSpan PollEvery = TimeSpan.FromMilliseconds(500);

    /// <summary>Panels allowed to stay empty, with the reason. None today: add one only with a reason a reader accepts.</summary>
    private static readonly IReadOnlyDictionary<string, string> MayStayEmpty = new Dictionary<string, string>(StringComparer.Ordinal);

    [Fact]
    public async Task Every_panel_query_of_every_dashboard_returns_data_from_a_real_prometheus_scraping_the_system_under_load()
    {
        var started = Stopwatch.StartNew();
        using var guard = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        guard.CancelAfter(Guard);
        var ct = guard.Token;
        await using var prometheus = await PrometheusServer.StartAsync(system.RunFile, ct);
        var queries = new PanelQueries(prometheus);

        // What the run has caused so far: queried until it has all shown up or every target has been scraped enough.
        await queries.UntilEverythingHasDataAsync(async () => await prometheus.ScrapesOfEveryTargetAsync(ct) >= SettledScrapes, ct);
        var settled = started.Elapsed;
        string caused = "nothing: the run's own traffic had caused every series";
        if (!queries.Done)
        {
            caused = $"the load, for {string.Join(", ", queries.Empty)}";
            await using var live = await CauseWhatTheMixedLoadDoesNotAsync();
            await using var load = await StartMixedLoadAsync(ct);
            caused += $" (set-up and user pool {(started.Elapsed - settled).TotalSeconds:F0}s)";
            var deadline = DateTimeOffset.UtcNow + LoadDuration + QueryAfterLoad;
            // Past the deadline, what is still empty is reported by name rather than as a timeout.
            await queries.UntilEverythingHasDataAsync(() => Task.FromResult(DateTimeOffset.UtcNow > deadline), ct);
            await load.StopAsync();
        }

        // When each query first had data (seconds since Prometheus was ready): what bounds this test's length.
        string At(string key) => queries.FirstData.TryGetValue(key, out var at) ? $" ({at.TotalSeconds:F0}s)" : "";
        string report = $"after {started.Elapsed.TotalSeconds:F0}s (scrapes settled after {settled.TotalSeconds:F0}s; caused here: {caused}):\n" +
            string.Join('\n', queries.Panels.Select(p => $"{p.Key}: {p.Value}{At(p.Key)}")
                .Concat(queries.Rules.Select(r => $"rule {r.Key}: {r.Value}{At("rule " + r.Key)}")));
        TestContext.Current.SendDiagnosticMessage(report);
        TestContext.Current.TestOutputHelper?.WriteLine(report);
        var empty = queries.Panels.Where(p => p.Value != Outcome.Data && !MayStayEmpty.ContainsKey(p.Key.Split(" :: ")[0]))
            .Select(p => $"{p.Key}: {p.Value}").ToList();
        empty.ShouldBeEmpty($"panel queries without data or with errors ({report})\n--- prometheus log ---\n{Tail(prometheus.Log)}");
        queries.Rules.Where(r => r.Value != Outcome.Data).Select(r => $"{r.Key}: {r.Value}").ToList()
            .ShouldBeEmpty("recording rules that failed or produced no series");
    }

    /// <summary>What the mixed load does not do: a live connection that gets an item pushed, and a refused command.
    /// The connection stays open while the panels are asked (the live connections gauge).</summary>
    private async Task<LiveFeedSocket> CauseWhatTheMixedLoadDoesNotAsync()
    {
        var (observer, observerAccount) = await system.Ledger.FundedCustomerAsync(100_00, "prometheus-observer");
        var (_, peerAccount) = await system.Ledger.FundedCustomerAsync(100_00, "prometheus-peer");
        var live = await LiveFeedSocket.OpenAsync(system, observer);
        try
        {
            await system.Ledger.TransferAsync(observer, observerAccount, peerAccount, 1_00);
            using var refused = await system.Ledger.SendAsync(observer, HttpMethod.Post, "/api/v1/transfers",
                new { fromAccountId = observerAccount, toAccountId = peerAccount, amount = 1_000_000_00, currency = Ledger.Currency });
            ((int)refused.StatusCode).ShouldBeInRange(400, 499, "a transfer above the balance is refused by the ledger");
            return live;
        }
        catch
        {
            await live.DisposeAsync();
            throw;
        }
    }

    /// <summary>Every panel target and recording rule, asked until each has returned data once. A query that fails to
    /// parse is final at once; the rest are asked again.</summary>
    private sealed class PanelQueries(PrometheusServer prometheus)
    {
        private readonly List<(string Key, string Expression)> _queries =
            [.. GrafanaDashboards.PanelQueries().Select((q, i) => (Key: $"{q.Panel} :: {i}", q.Expression))];

        private readonly Stopwatch _since = Stopwatch.StartNew();

        public Dictionary<string, string> Panels { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, string> Rules { get; } = new(StringComparer.Ordinal);

        /// <summary>When each query first had data, since Prometheus was ready.</summary>
        public Dictionary<string, TimeSpan> FirstData { get; } = new(StringComparer.Ordinal);

        public bool Done => Panels.Count == _queries.Count && Panels.Values.All(v => v != Outcome.Empty)
                            && Rules.Count > 0 && Rules.Values.All(v => v != Outcome.Empty);

        public IEnumerable<string> Empty => Panels.Concat(Rules).Where(p => p.Value == Outcome.Empty).Select(p => p.Key);

        /// <summary>Rounds of queries until everything has data or <paramref name="enough"/> (asked before each round, so
        /// the last round sees everything that was there when it said so).</summary>
        public async Task UntilEverythingHasDataAsync(Func<Task<bool>> enough, CancellationToken ct)
        {
            while (true)
            {
                bool last = await enough();
                await RoundAsync(ct);
                if (Done || last)
                {
                    return;
                }

                await Task.Delay(PollEvery, ct);
            }
        }

        private async Task RoundAsync(CancellationToken ct)
        {
            foreach (var (key, expression) in _queries.Where(q => Panels.GetValueOrDefault(q.Key, Outcome.Empty) == Outcome.Empty))
            {
                var (error, series) = await prometheus.QueryAsync(expression, ct);
                Panels[key] = error is not null ? $"{Outcome.Error} {error} in `{expression}`" : series.Length > 0 ? Outcome.Data : Outcome.Empty;
                if (Panels[key] == Outcome.Data)
                {
                    FirstData[key] = _since.Elapsed;
                }
            }

            foreach (var rule in (await prometheus.RulesAsync(ct)).Where(r => r.Type == "recording"))
            {
                string key = $"{rule.Group}/{rule.Name}";
                if (Rules.GetValueOrDefault(key) == Outcome.Data)
                {
                    continue;
                }

                Rules[key] = rule.Health == "err" ? $"{Outcome.Error} {rule.LastError}"
                    : (await prometheus.QueryAsync(rule.Name, ct)).Series.Length > 0 ? Outcome.Data : Outcome.Empty;
                if (Rules[key] == Outcome.Data)
                {
                    FirstData["rule " + key] = _since.Elapsed;
                }
            }
        }
    }

    /// <summary>load/mixed.json at a low rate with every request kind equally likely (as MixedLoadThroughTheGateway), so
    /// the kinds that need a captured value (a hold's void, a reversal, an answer) get their turn.</summary>
    private async Task<LoadRun> StartMixedLoadAsync(CancellationToken ct)
    {
        var file = LoadScriptParser.Load(RepositoryRoot.PathOf("load", "mixed.json"));
        string cache = Path.Combine(Path.GetTempPath(), $"ledgerx-load-users-{Guid.NewGuid():N}.json");
        try
        {
            var settings = new PoolSettings(system.Gateway, cache, TestMailServers.Maildir.Path, SystemRunFile.AdminPassword);
            var users = await PrepareUsersAsync(settings, file.Users with { Customers = PoolCustomers }, ct);
            var script = file with
            {
                Scenarios = [.. file.Scenarios.Select(s => s.AsConstantRate(s.Exec == NlpMix ? NlpRate : RatePerScenario, LoadDuration) with { PreAllocatedVus = 1, MaxVus = MaxVus })],
                Mixes = file.Mixes.ToDictionary(m => m.Key, m => (IReadOnlyList<RequestSpec>)[.. m.Value.Select(r => r with { Weight = 1 })]),
            };
            return LoadRun.Start(script, system.Gateway, users, ct);
        }
        finally
        {
            File.Delete(cache);
        }
    }

    /// <summary>The pool as `ledgerx load` makes it. On a loaded machine one sign-in can outlast the gateway's route
    /// timeout (504) although auth-service completes it; the pool is then made again (new registrations) rather than
    /// failing the dashboards' test on a set-up step, as Identities remakes a user after such a 504.</summary>
    private static async Task<UserPool> PrepareUsersAsync(PoolSettings settings, UserPoolSpec spec, CancellationToken ct)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return await new UserPoolPreparer(settings, _ => { }, TimeProvider.System).PrepareAsync(spec, ct);
            }
            catch (LoadSetupException e) when (attempt < PoolAttempts)
            {
                TestContext.Current.SendDiagnosticMessage($"preparing the user pool, attempt {attempt}: {e.Message}");
            }
        }
    }

    private static string Tail(string log) => string.Join('\n', log.Split('\n').TakeLast(30));

    private static class Outcome
    {
        public const string Data = "data";
        public const string Empty = "empty";
        public const string Error = "error";
    }
}
