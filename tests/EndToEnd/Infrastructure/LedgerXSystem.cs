using System.Diagnostics;
using LedgerX.EndToEnd.Tests.Tracing;
using LedgerX.LocalDapr.Launcher;
using LedgerX.Testing;

// One system for the whole run, shared by every class (each gets it in its constructor); see SystemCollection for which
// classes run side by side. Four at once: they wait on the system far more than they compute.
[assembly: AssemblyFixture(typeof(LedgerX.EndToEnd.Tests.Infrastructure.LedgerXSystem))]
[assembly: Xunit.v3.Parallelization(MaxThreads = 4)]

namespace LedgerX.EndToEnd.Tests.Infrastructure;

/// <summary>
/// The whole of LedgerX, started once per test run: every app of <c>dapr.yaml</c> as a process with its local Dapr
/// sidecar (the launcher of <c>./ledgerx up</c>), against the test PostgreSQL and Redis. Clients reach it through
/// <see cref="Gateway"/> only; the apps' own ports are there for the tests that prove a direct call is refused.
/// </summary>
public sealed class LedgerXSystem : IAsyncLifetime
{
    public const string GatewayAppId = "gateway";
    public const string AuthAppId = "auth-service";
    public const string LedgerAppId = "transaction-service";
    public const string FraudAppId = "fraud-service";
    public const string AnalyticsAppId = "analytics-service";
    public const string NotificationsAppId = "notification-service";

    /// <summary>A hang guard, not a timing: about a minute on a quiet machine, but auth-service's first start (migrations,
    /// seeding, key ring) has taken over three minutes on a 2-core machine at load average 60 (as the chaos system found).</summary>
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(8);

    private readonly Dictionary<int, int> _ports = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly string _directory = Directory.CreateTempSubdirectory("ledgerx-e2e-").FullName;
    private StreamWriter? _log;
    private Task<int>? _run;
    private Ledger? _ledger;

    public LedgerXSystem() => Identities = new Identities(this);

    public RunFile RunFile { get; private set; } = null!;

    /// <summary>The Zipkin intake every app and sidecar of this run exports its spans to.</summary>
    public ZipkinReceiver Traces { get; private set; } = null!;

    /// <summary>Real users and tokens from the real auth-service.</summary>
    public Identities Identities { get; }

    /// <summary>The one client-facing URL.</summary>
    public Uri Gateway => HasGateway ? AppUrl(GatewayAppId) : throw new InvalidOperationException("dapr.yaml has no gateway app yet");

    /// <summary>Where users sign in: the gateway; auth-service itself while dapr.yaml has no gateway (the fixture's own test).</summary>
    public Uri SignInEntry => AppUrl(HasGateway ? GatewayAppId : AuthAppId);

    public bool HasGateway => RunFile.Apps.Any(a => a.AppId == GatewayAppId);

    /// <summary>The issuer every token names (dapr.yaml's Auth__Issuer, on this run's ports).</summary>
    public string Issuer => RunFile.Apps.Single(a => a.AppId == AuthAppId).Env["Auth__Issuer"];

    /// <summary>Everything the apps and sidecars wrote (one file, prefixed lines), for diagnosis and log assertions.</summary>
    public string LogFile => Path.Combine(_directory, "system.log");

    public Uri AppUrl(string appId) => new($"http://127.0.0.1:{App(appId).AppPort}/");

    public RunFileApp App(string appId) => RunFile.Apps.SingleOrDefault(a => a.AppId == appId)
        ?? throw new InvalidOperationException($"dapr.yaml has no app {appId}");

    /// <summary>An app's own database in this run: the value of its secret (<c>auth-connection-string</c>, ...) in the run's secret store.</summary>
    public string ConnectionString(string secretName) => SystemRunFile.ConnectionStrings.TryGetValue(secretName, out string? value)
        ? value
        : throw new InvalidOperationException($"components/secrets.json has no connection string '{secretName}'");

    /// <summary>An app's <c>ConnectionStrings:{name}</c> in this run: every service keeps it as secret <c>{name}-connection-string</c>.</summary>
    public string ConnectionString(string appId, string name)
    {
        _ = App(appId); // an app of dapr.yaml, or a clear failure
        return ConnectionString(name.ToLowerInvariant() + "-connection-string");
    }

    public const string AuthDatabaseSecret = "auth-connection-string";
    public const string NotificationsDatabaseSecret = "notifications-connection-string";

    /// <summary>A client of the gateway, as any outside client: no redirects followed, no cookies, short timeout.</summary>
    public HttpClient Client() =>
        new(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = Gateway, Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>A client for a test's set-up steps, which waits out rate limits (<see cref="PatientHandler"/>).</summary>
    public HttpClient PatientClient(Uri? baseAddress = null) =>
        new(new PatientHandler()) { BaseAddress = baseAddress ?? Gateway, Timeout = TimeSpan.FromSeconds(120) };

    /// <summary>The ledger's client API, for set-up.</summary>
    public Ledger Ledger => _ledger ??= new Ledger(this);

    public async ValueTask InitializeAsync()
    {
        var started = Stopwatch.StartNew();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(StartTimeout);
        Traces = await ZipkinReceiver.StartAsync();
        RunFile = await SystemRunFile.LoadAsync(_ports, _directory, Traces.Endpoint, timeout.Token);

        // The Dapr state store (workflows, actors) gets a database of its own too: components/ names localhost:5432,
        // and the launcher repoints every PostgreSQL component at LEDGERX_POSTGRES, as under ./ledgerx up.
        string stateStore = await TestPostgres.CreateDatabaseAsync("e2e_statestore", timeout.Token);
        string redis = TestRedis.GetConnectionString();
        var options = new LauncherOptions
        {
            // A registry of its own: other test runs' sidecars for the same app ids must not answer for these.
            RegistryDirectory = Path.Combine(_directory, "registry"),
            AppStartTimeout = StartTimeout,
            BackendEnvironment = name => name switch
            {
                BackendProvisioner.PostgresVariable => stateStore,
                BackendProvisioner.RedisVariable => redis,
                _ => null,
            },
        };

        _log = new StreamWriter(LogFile) { AutoFlush = true };
        var output = new ConsoleOutput(TextWriter.Synchronized(_log), colour: false);
        _run = new MultiAppRunner(RunFile, options, output).RunAsync(_stop.Token);

        try
        {
            await WaitUntilReadyAsync(timeout.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or InvalidOperationException)
        {
            throw new InvalidOperationException($"LedgerX did not start within {StartTimeout}: {e.Message}\n--- last lines of {LogFile} ---\n{Tail(80)}", e);
        }

        File.AppendAllText(Path.Combine(_directory, "started.txt"), $"all apps ready after {started.Elapsed.TotalSeconds:F1}s\n");
    }

    /// <summary>The last lines the system logged.</summary>
    public string Tail(int lines)
    {
        using var stream = new FileStream(LogFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        return string.Join('\n', reader.ReadToEnd().Split('\n').TakeLast(lines));
    }

    /// <summary>Every app answers its readiness probe (database, sidecar) and the gateway's too.</summary>
    private async Task WaitUntilReadyAsync(CancellationToken ct)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var pending = RunFile.Apps.Select(a => a.AppId).ToHashSet(StringComparer.Ordinal);
        while (pending.Count > 0)
        {
            if (_run!.IsCompleted)
            {
                throw new InvalidOperationException($"the launcher stopped with exit code {await _run}");
            }

            foreach (string appId in pending.ToList())
            {
                try
                {
                    using var ready = await http.GetAsync(new Uri(AppUrl(appId), "readyz"), ct);
                    if (ready.IsSuccessStatusCode)
                    {
                        pending.Remove(appId);
                    }
                }
                catch (HttpRequestException)
                {
                    // Not listening yet.
                }
                catch (TaskCanceledException) when (!ct.IsCancellationRequested)
                {
                    // A probe that took too long: try again.
                }
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250), ct);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            if (_run is not null)
            {
                await _run.WaitAsync(TimeSpan.FromSeconds(60));
            }
        }
        finally
        {
            // A launcher that fails while stopping (a sidecar that never connected) leaves the apps after it running:
            // whatever still carries this run's marker is ended, by process id.
            RunMarker.KillRemaining(SystemRunFile.RunId);
        }

        if (_log is not null)
        {
            await _log.DisposeAsync();
        }

        if (Traces is not null)
        {
            await Traces.DisposeAsync();
        }

        _stop.Dispose();
        // The databases stay: the test server is thrown away after the run. The log stays for a failed run's reader.
        if (Directory.Exists(Path.Combine(_directory, "registry")))
        {
            Directory.Delete(Path.Combine(_directory, "registry"), recursive: true);
        }
    }
}

/// <summary>
/// The classes that spend what the whole run shares, one at a time, after the classes that run side by side have ended.
/// Every request of a run comes from 127.0.0.1, so the gateway's per-address budgets (sign-in, tokenless calls) are the
/// run's: a flood that empties one (API2's password guessing, API4's and API6's floods, API9's sweep of every route
/// without a token) would make another class's plain assertion meet a 429. The rest count or measure the whole system
/// (API10's key fetches, the traces of a load, the mixed load's latencies, the dashboards' series).
/// A class that only needs the system and its own users and accounts has no collection: each such class is one of its
/// own, and xUnit runs them side by side on the one system (the assembly fixture); most of their time is waiting for
/// events to reach other services.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
[TestClassOrderer(typeof(SystemCollectionOrder))]
public sealed class SystemCollection
{
    public const string Name = "LedgerX behind its gateway, one class at a time";
}
