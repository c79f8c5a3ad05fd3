using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using LedgerX.LocalDapr.Launcher;
using Npgsql;

namespace LedgerX.Cli.Chaos;

/// <summary>
/// The system a chaos run owns: its own PostgreSQL and Redis (<see cref="PrivateServers"/>), and every app of
/// <c>dapr.yaml</c> with its in-process sidecar through the launcher of <c>./ledgerx up</c>, on free ports, from the
/// Release builds (<see cref="RunFileRelocation"/>, as the end-to-end tests run it), supervised with restart policy
/// Always so that a killed service comes back, and with the <see cref="LauncherControl"/> the faults act through.
/// </summary>
internal sealed class ChaosSystem : IAsyncDisposable
{
    public const string GatewayAppId = "gateway";
    public const string AuthAppId = "auth-service";
    public const string LedgerAppId = "transaction-service";
    public const string FraudAppId = "fraud-service";
    public const string AnalyticsAppId = "analytics-service";
    public const string NotificationsAppId = "notification-service";
    public const string NlpAppId = "nlp-service";

    /// <summary>How long a reversal saga above the approval threshold waits for a decision in a chaos run: long enough
    /// that no scenario but the clock skew (which jumps past it) sees one time out, short enough to matter.</summary>
    public static readonly TimeSpan ApprovalTimeout = TimeSpan.FromMinutes(10);

    /// <summary>How often transaction-service's reversal sweeper looks for sagas to start or re-drive in a chaos run.</summary>
    public static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(5);

    /// <summary>The confidential client the load signs in as (client credentials), seeded by auth-service.</summary>
    public const string MachineClientId = "ledgerx-machine";

    /// <summary>Generous: on a quiet machine every app is ready within a minute, but auth-service's first start (migrations,
    /// seeding, key ring) took over 4 minutes on a 2-core machine at load average 60.</summary>
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(10);

    private static readonly TimeSpan SignInTimeout = TimeSpan.FromMinutes(2);

    /// <summary>Kubernetes starts at 10 s; a chaos run measures recovery, so the supervisor waits little.</summary>
    private static readonly TimeSpan RestartBackoffInitial = TimeSpan.FromMilliseconds(500);

    private static readonly TimeSpan RestartBackoffMax = TimeSpan.FromSeconds(5);

    /// <summary>Everything the machine client may ask for in a chaos run: it is the load's one caller (see docs/chaos.md).</summary>
    public const string MachineScopes =
        "ledger:read ledger:write ledger:fund ledger:verify accounts:any analytics:read analytics:rebuild fraud:review notifications:manage nlp:ask";

    /// <summary>The one service whose database link the proxy stands in (the db-* scenarios): fraud-service, whose
    /// database only its own routes and consumers need, so a partition there must leave every other route available.</summary>
    public const string ProxiedAppId = FraudAppId;

    private const string ProxiedConnectionString = "ConnectionStrings__Fraud";

    private readonly CancellationTokenSource _stop = new();
    private readonly string _directory;
    private readonly string _repositoryRoot;
    private Task<int>? _run;
    private StreamWriter? _log;

    private FaultyTcpProxy? _proxy;

    private ChaosSystem(string directory, PrivateServers servers, RunFile runFile, FaultyTcpProxy proxy, string repositoryRoot)
    {
        _directory = directory;
        _repositoryRoot = repositoryRoot;
        Servers = servers;
        RunFile = runFile;
        _proxy = proxy;
    }

    /// <summary>The faulty link between <paramref name="appId"/> and PostgreSQL.</summary>
    public FaultyTcpProxy DatabaseProxy(string appId) =>
        appId == ProxiedAppId && _proxy is not null ? _proxy : throw new ArgumentException($"only {ProxiedAppId}'s database link goes through the proxy", nameof(appId));

    public PrivateServers Servers { get; }

    public RunFile RunFile { get; }

    public LauncherControl Control { get; } = new();

    /// <summary>Every app's and sidecar's output, one prefixed line each.</summary>
    public string LogFile => Path.Combine(_directory, "system.log");

    public Uri Gateway => AppUrl(GatewayAppId);

    public Uri AppUrl(string appId) => new(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{App(appId).AppPort}/"));

    public RunFileApp App(string appId) => RunFile.Apps.SingleOrDefault(a => a.AppId == appId)
        ?? throw new InvalidOperationException($"dapr.yaml has no app {appId}");

    /// <summary>The apps' database secrets in components/secrets.json (each app reads its own at start-up, ADR 0025).</summary>
    public const string LedgerDatabaseSecret = "ledger-connection-string";
    public const string FraudDatabaseSecret = "fraud-connection-string";
    public const string AnalyticsDatabaseSecret = "analytics-connection-string";
    public const string NotificationsDatabaseSecret = "notifications-connection-string";

    /// <summary>An app's own database on this run's server (the launcher repoints the secret store's connection strings
    /// there; the database name is components/secrets.json's).</summary>
    public string ConnectionString(string secretName) =>
        new NpgsqlConnectionStringBuilder(Servers.Postgres) { Database = DatabaseOf(_repositoryRoot, secretName), Pooling = false }.ConnectionString;

    /// <summary>The actor state store's secret (components/statestore.yaml), in daprd's pgx form: the sidecars keep
    /// workflow state in that database (LocalDapr's <c>WorkflowStoreFactory</c>, as daprd keeps it in the actor store).</summary>
    public const string StateStoreSecret = "statestore-connection-string";

    /// <summary>The database the sidecars' workflow store lives in, on this run's server.</summary>
    public string WorkflowStoreConnectionString =>
        new NpgsqlConnectionStringBuilder(Servers.Postgres)
        {
            Database = new NpgsqlConnectionStringBuilder(LedgerX.LocalDapr.State.PostgresConnectionString.ToNpgsql(LocalSecret(_repositoryRoot, StateStoreSecret))).Database,
            Pooling = false,
        }.ConnectionString;

    /// <summary>The machine client's secret, read where the apps' secret store reads it.</summary>
    public string MachineSecret { get; private set; } = "";

    /// <summary>A client of the gateway signed in as the machine client (client credentials, <see cref="MachineScopes"/>):
    /// the chaos run's one caller.</summary>
    public async Task<HttpClient> MachineClientAsync(TimeSpan requestTimeout, CancellationToken ct)
    {
        string body;
        // The first call to a freshly started auth-service may take far longer than the load's requests may (its first
        // token: key ring, database pool, JIT), so the sign-in has its own patience. The gateway gives up on auth after
        // its route's timeout (504) or answers 502/503 while auth warms up: asked again until the patience runs out
        // (at load average 70 the first token outlasted the gateway's 10 s).
        var patience = Stopwatch.StartNew();
        using (var signIn = new HttpClient { BaseAddress = Gateway, Timeout = SignInTimeout })
        {
            while (true)
            {
                using var token = await signIn.PostAsync("/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
                {
                    ["grant_type"] = "client_credentials", ["client_id"] = MachineClientId, ["client_secret"] = MachineSecret, ["scope"] = MachineScopes,
                }), ct);
                body = await token.Content.ReadAsStringAsync(ct);
                if (token.StatusCode == HttpStatusCode.OK)
                {
                    break;
                }

                if ((int)token.StatusCode is not (502 or 503 or 504) || patience.Elapsed >= SignInTimeout)
                {
                    throw new InvalidOperationException($"POST /connect/token answered {(int)token.StatusCode}: {body}");
                }

                await Task.Delay(TimeSpan.FromSeconds(1), ct);
            }
        }

        var http = new HttpClient { BaseAddress = Gateway, Timeout = requestTimeout };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", JsonNode.Parse(body)!["access_token"]!.GetValue<string>());
        return http;
    }

    /// <summary>Where the servers archive WAL when started with <c>archiveWal</c>: beside the cluster, which a disaster
    /// test deletes (pgdata/ only).</summary>
    public string WalArchive => Path.Combine(Servers.Home, Backup.ServerDirectory.WalArchiveName);

    /// <param name="archiveWal">Archive every WAL segment (<see cref="WalArchive"/>), for <c>ledgerx backup</c>/<c>restore</c>.</param>
    public static async Task<ChaosSystem> StartAsync(string repositoryRoot, TextWriter progress, CancellationToken ct, bool archiveWal = false)
    {
        string directory = Directory.CreateTempSubdirectory("ledgerx-chaos-").FullName;
        // PostgreSQL refuses to run as root, so devenv.sh runs it as another user, who must be able to enter the
        // directory (CreateTempSubdirectory makes it 0700).
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
                UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        }
        progress.WriteLine($"chaos: private PostgreSQL and Redis in {directory}");
        var serversDirectory = Path.Combine(directory, "servers");
        var servers = await PrivateServers.StartAsync(repositoryRoot, serversDirectory, ct, archiveWal
            ? new Dictionary<string, string> { ["LEDGERX_PG_WAL_ARCHIVE"] = Path.Combine(serversDirectory, Backup.ServerDirectory.WalArchiveName) }
            : null);
        var original = RunFile.Load(Path.Combine(repositoryRoot, "dapr.yaml"));
        var relocation = new RunFileRelocation(original);
        var server = new NpgsqlConnectionStringBuilder(servers.Postgres);
        var proxy = new FaultyTcpProxy(new global::System.Net.IPEndPoint(global::System.Net.IPAddress.Loopback, server.Port));
        var system = new ChaosSystem(directory, servers, original with { Apps = [.. original.Apps.Select(a => WithChaosSettings(relocation.Relocate(a), relocation, servers.Postgres, proxy.Port, repositoryRoot))] }, proxy, repositoryRoot);
        system.MachineSecret = MachineSecretFrom(repositoryRoot);
        try
        {
            await system.RunAsync(progress, ct);
        }
        catch
        {
            await system.DisposeAsync();
            throw;
        }

        return system;
    }

    private static RunFileApp WithChaosSettings(RunFileApp app, RunFileRelocation relocation, string postgres, int proxyPort, string repositoryRoot)
    {
        var env = new Dictionary<string, string>(app.Env, StringComparer.Ordinal);
        switch (app.AppId)
        {
            case ProxiedAppId:
                // A server other than the one the components name: the launcher's redirect leaves it alone (PostgresAppRedirect).
                // Set explicitly, so it wins over the secret store (ADR 0025).
                env[ProxiedConnectionString] = new NpgsqlConnectionStringBuilder(postgres)
                {
                    Port = proxyPort, Database = DatabaseOf(repositoryRoot, FraudDatabaseSecret),
                }.ConnectionString;
                break;
            case LedgerAppId:
                env["Ledger__Reversals__ApprovalTimeoutMs"] = ((long)ApprovalTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
                // A reversal accepted while the workflow store was away (PostgreSQL stalled or restarting) is started by
                // the sweeper once stale (60 s); sweeping every 5 s rather than 30 s keeps that well inside the invariant
                // check's wait. Which reversals it touches, and when they count as stale or stuck, is unchanged.
                env["Ledger__Reversals__SweepIntervalMs"] = SweepInterval.TotalMilliseconds.ToString(CultureInfo.InvariantCulture);
                break;
            case AuthAppId:
                env["Auth__Seed__AdminPassword"] = "Chaos-Admin-" + Guid.NewGuid().ToString("N")[..12];
                env["Auth__Seed__MachineClientScopes"] = MachineScopes;
                // One token for the whole run: the longest auth-service allows (AuthOptions), not the 5-minute default.
                env["Auth__AccessTokenLifetimeSeconds"] = "3600";
                break;
            case GatewayAppId:
                // The load has one caller (the machine client): per-caller budgets would measure the limiter, not the fault.
                env["Gateway__RateLimits__Enabled"] = "false";
                // The live feed goes to notification-service's own port, dapr.yaml's fixed one unless told.
                env["Gateway__Live__Destination"] = relocation.RemapPorts("http://127.0.0.1:5140");
                // Its /metrics listener: dapr.yaml's fixed 9581 would collide with `up` or another system on this host.
                env["Gateway__MetricsUrl"] = string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{MultiAppRunner.FreePort()}");
                break;
        }

        return app with { Env = env };
    }

    private async Task RunAsync(TextWriter progress, CancellationToken ct)
    {
        var started = Stopwatch.StartNew();
        _log = new StreamWriter(LogFile) { AutoFlush = true };
        var options = new LauncherOptions
        {
            RegistryDirectory = Path.Combine(_directory, "registry"),
            AppStartTimeout = StartTimeout,
            RestartPolicy = RestartPolicy.Always,
            RestartBackoffInitial = RestartBackoffInitial,
            RestartBackoffMax = RestartBackoffMax,
            Control = Control,
            BackendEnvironment = name => name switch
            {
                BackendProvisioner.PostgresVariable => Servers.Postgres,
                BackendProvisioner.RedisVariable => Servers.Redis,
                _ => null,
            },
        };
        progress.WriteLine($"chaos: starting {RunFile.Apps.Count} apps (log: {LogFile})");
        _run = new MultiAppRunner(RunFile, options, new ConsoleOutput(TextWriter.Synchronized(_log), colour: false)).RunAsync(_stop.Token);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(StartTimeout);
        try
        {
            await Task.WhenAny(Control.Ready, _run).WaitAsync(timeout.Token);
            if (!Control.Ready.IsCompletedSuccessfully)
            {
                throw new InvalidOperationException($"the launcher stopped before every app was healthy; see {LogFile}");
            }

            foreach (var app in RunFile.Apps)
            {
                await ReadyProbe.WaitAsync(AppUrl(app.AppId), timeout.Token);
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new InvalidOperationException($"the apps were not all ready within {StartTimeout.TotalMinutes:F0} minutes; see {LogFile}");
        }

        progress.WriteLine($"chaos: all apps ready after {started.Elapsed.TotalSeconds:F0}s");
    }

    private static string MachineSecretFrom(string repositoryRoot) => LocalSecret(repositoryRoot, "auth-machine-client-secret");

    /// <summary>The database a connection string of components/secrets.json names.</summary>
    private static string? DatabaseOf(string repositoryRoot, string secretName) =>
        new NpgsqlConnectionStringBuilder(LocalSecret(repositoryRoot, secretName)).Database;

    private static string LocalSecret(string repositoryRoot, string name)
    {
        using var secrets = global::System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(repositoryRoot, "components", "secrets.json")));
        return secrets.RootElement.GetProperty(name).GetString()!;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_run is not null)
        {
            try
            {
                await _run.WaitAsync(TimeSpan.FromSeconds(90));
            }
            catch (Exception ex) when (ex is TimeoutException or InvalidOperationException)
            {
                // Whatever did not stop is ended below, by this run's marker.
            }
        }

        if (_log is not null)
        {
            await _log.DisposeAsync();
        }

        await Servers.DisposeAsync();
        if (_proxy is not null)
        {
            await _proxy.DisposeAsync();
            _proxy = null;
        }

        _stop.Dispose();
    }
}
