using System.Diagnostics;
using LedgerX.Cli.Load;
using LedgerX.Cli.Load.Users;
using LedgerX.EndToEnd.Tests.Notifications;
using LedgerX.Testing;

namespace LedgerX.EndToEnd.Tests.Observability;

/// <summary>
/// Issue 18's dashboard criterion, against the real thing: Debian's Prometheus, configured from observability/, scrapes
/// every app and sidecar of the running system while `ledgerx load`'s mixed file goes through the gateway with real
/// users; then every query of every panel of every Grafana dashboard is run through Prometheus's HTTP API and must
/// parse and return data, and every recording rule must evaluate without error and produce series. The events the
/// mixed load does not cause by itself are caused here as a customer would: a live connection that receives an item,
/// and a refused transfer (the ledger's 4xx panel). Panels whose event cannot happen in this system as configured say
/// 0 themselves (<c>or vector(0)</c>: no fraud alert, no policy action with dapr.yaml's policy "None", no dead letter).
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

    /// <summary>Long enough for the slowest panel: a reversal saga that finishes, read by the 10 s reversal poll.</summary>
    private static readonly TimeSpan LoadDuration = TimeSpan.FromSeconds(120);

    /// <summary>A hang guard over pool preparation, the load and the queries; never a timing assertion.</summary>
    private static readonly TimeSpan Guard = TimeSpan.FromMinutes(8);

    /// <summary>[5m] and [15m] windows keep data long after the load; [1m] ones for a minute: asked this long after it.</summary>
    private static readonly TimeSpan QueryAfterLoad = TimeSpan.FromSeconds(60);

    private static readonly TimeSpan PollEvery = TimeSpan.FromSeconds(2);

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

        // What the mixed load does not do: a live connection that gets an item pushed, and a refused command.
        var (observer, observerAccount) = await system.Ledger.FundedCustomerAsync(100_00, "prometheus-observer");
        var (_, peerAccount) = await system.Ledger.FundedCustomerAsync(100_00, "prometheus-peer");
        await using var live = await LiveFeedSocket.OpenAsync(system, observer);
        await system.Ledger.TransferAsync(observer, observerAccount, peerAccount, 1_00);
        using (var refused = await system.Ledger.SendAsync(observer, HttpMethod.Post, "/api/v1/transfers",
                   new { fromAccountId = observerAccount, toAccountId = peerAccount, amount = 1_000_000_00, currency = Ledger.Currency }))
        {
            ((int)refused.StatusCode).ShouldBeInRange(400, 499, "a transfer above the balance is refused by the ledger");
        }

        var setUp = started.Elapsed;
        await using var load = await StartMixedLoadAsync(ct);
        var loadStarted = started.Elapsed;
        var (panels, rules, firstData) = await QueryUntilEverythingHasDataAsync(prometheus, ct);
        await load.StopAsync();

        // When each query first had data (seconds since the load started): what bounds this test's length.
        string At(string key) => firstData.TryGetValue(key, out var at) ? $" ({at.TotalSeconds:F0}s)" : "";
        string report = $"after {started.Elapsed.TotalSeconds:F0}s (set-up {setUp.TotalSeconds:F0}s, user pool {(loadStarted - setUp).TotalSeconds:F0}s):\n" +
            string.Join('\n', panels.Select(p => $"{p.Key}: {p.Value}{At(p.Key)}").Concat(rules.Select(r => $"rule {r.Key}: {r.Value}{At("rule " + r.Key)}")));
        TestContext.Current.SendDiagnosticMessage(report);
        TestContext.Current.TestOutputHelper?.WriteLine(report);
        var empty = panels.Where(p => p.Value != Outcome.Data && !MayStayEmpty.ContainsKey(p.Key.Split(" :: ")[0]))
            .Select(p => $"{p.Key}: {p.Value}").ToList();
        empty.ShouldBeEmpty($"panel queries without data or with errors ({report})\n--- prometheus log ---\n{Tail(prometheus.Log)}");
        rules.Where(r => r.Value != Outcome.Data).Select(r => $"{r.Key}: {r.Value}").ToList()
            .ShouldBeEmpty("recording rules that failed or produced no series");
    }

    /// <summary>Queries every panel target and recording rule until each has returned data once (or the guard ends).
    /// A query that fails to parse is final at once; the rest are asked again while the load runs and after.</summary>
    private static async Task<(Dictionary<string, string> Panels, Dictionary<string, string> Rules, Dictionary<string, TimeSpan> FirstData)>
        QueryUntilEverythingHasDataAsync(PrometheusServer prometheus, CancellationToken ct)
    {
        var queries = GrafanaDashboards.PanelQueries().Select((q, i) => (Key: $"{q.Panel} :: {i}", q.Expression)).ToList();
        var panels = queries.ToDictionary(q => q.Key, _ => Outcome.Empty, StringComparer.Ordinal);
        var rules = new Dictionary<string, string>(StringComparer.Ordinal);
        var firstData = new Dictionary<string, TimeSpan>(StringComparer.Ordinal);
        var since = Stopwatch.StartNew();
        var deadline = DateTimeOffset.UtcNow + LoadDuration + QueryAfterLoad;
        while (true)
        {
            foreach (var (key, expression) in queries.Where(q => panels[q.Key] == Outcome.Empty))
            {
                var (error, series) = await prometheus.QueryAsync(expression, ct);
                panels[key] = error is not null ? $"{Outcome.Error} {error} in `{expression}`" : series.Length > 0 ? Outcome.Data : Outcome.Empty;
                if (panels[key] == Outcome.Data)
                {
                    firstData[key] = since.Elapsed;
                }
            }

            foreach (var rule in (await prometheus.RulesAsync(ct)).Where(r => r.Type == "recording"))
            {
                string key = $"{rule.Group}/{rule.Name}";
                if (rules.GetValueOrDefault(key) == Outcome.Data)
                {
                    continue;
                }

                rules[key] = rule.Health == "err" ? $"{Outcome.Error} {rule.LastError}"
                    : (await prometheus.QueryAsync(rule.Name, ct)).Series.Length > 0 ? Outcome.Data : Outcome.Empty;
                if (rules[key] == Outcome.Data)
                {
                    firstData["rule " + key] = since.Elapsed;
                }
            }

            bool done = panels.Values.All(v => v != Outcome.Empty) && rules.Count > 0 && rules.Values.All(v => v != Outcome.Empty);
            // Past the deadline, what is still empty is reported by name rather than as a timeout.
            if (done || DateTimeOffset.UtcNow > deadline)
            {
                return (panels, rules, firstData);
            }

            await Task.Delay(PollEvery, ct);
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
