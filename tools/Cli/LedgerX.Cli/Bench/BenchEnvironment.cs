using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using LedgerX.Cli.Common;
using Spectre.Console;

namespace LedgerX.Cli.Bench;

/// <summary>
/// A throwaway system under test: a private PostgreSQL (tools/devenv/devenv.sh, fsync on) in a temporary directory,
/// a fresh database, and the Release build of transaction-service on a free port. Disposing stops the service and
/// purges the servers; the bench disposes it on every path out, Ctrl-C included.
/// </summary>
internal sealed partial class BenchEnvironment : IAsyncDisposable
{
    public const string DatabaseName = "ledgerx_bench";
    public const string ServiceDllRelativePath = "services/Transactions/LedgerX.Transactions.Api/bin/Release/net10.0/LedgerX.Transactions.Api.dll";
    public const string SidecarDllRelativePath = "tools/LocalDapr/LedgerX.LocalDapr.Host/bin/Release/net10.0/localdapr.dll";
    private const string PubSubComponentRelativePath = "components/pubsub.yaml";
    private const string ServiceAppId = "transaction-service";
    private const string DevenvRelativePath = "tools/devenv/devenv.sh";

    /// <summary>The relay's poll interval, slowed by default (below) and left alone with --sidecar.</summary>
    public const string OutboxPollSetting = "Ledger__Outbox__PollIntervalMs";

    /// <summary>The settings the bench gives the service unless overridden with --service-setting: less logging and
    /// a slow outbox poll, so neither competes with the writer for the 2 cores (reported with the results).</summary>
    public static readonly IReadOnlyDictionary<string, string> DefaultServiceSettings = new Dictionary<string, string>
    {
        ["Serilog__MinimumLevel__Default"] = "Warning",
        [OutboxPollSetting] = "60000",
    };

    private static readonly TimeSpan DevenvTimeout = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan HealthTimeout = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(10);

    private readonly IAnsiConsole _console;
    private readonly string _devenv;
    private readonly string _directory;
    private readonly BenchIssuer _issuer = BenchIssuer.Start();
    private Process? _service;
    private StreamWriter? _serviceLog;
    private Process? _sidecar;
    private StreamWriter? _sidecarLog;
    private string? _redis;

    private BenchEnvironment(IAnsiConsole console, string devenv, string directory)
    {
        _console = console;
        _devenv = devenv;
        _directory = directory;
    }

    public Uri BaseUrl { get; private set; } = new("http://127.0.0.1/");

    /// <summary>The bench's token for the service it started (see <see cref="BenchIssuer"/>); good for a day, longer than any run.</summary>
    public string Token => _issuer.Mint("ledgerx-bench", TimeSpan.FromDays(1));

    /// <summary>PostgreSQL's version and the settings that decide commit cost, for the report.</summary>
    public IReadOnlyDictionary<string, string> PostgresSettings { get; private set; } = new Dictionary<string, string>();

    public IReadOnlyDictionary<string, string> ServiceSettings { get; private set; } = new Dictionary<string, string>();

    /// <summary>The private PostgreSQL's port on 127.0.0.1 (the raw-SQL baseline runs there too).</summary>
    public string PostgresPort { get; private set; } = "";

    /// <summary>Whether the service publishes through a LocalDapr sidecar (--sidecar), so the outbox drains as it would under `up`.</summary>
    public bool HasSidecar => _sidecar is not null;

    /// <summary>The run's temporary directory (purged at the end).</summary>
    public string WorkDirectory => _directory;

    /// <summary>The postmaster's pid (first line of postmaster.pid), so PostgreSQL's CPU can be measured; null if unreadable.</summary>
    public int? PostmasterPid
    {
        get
        {
            try
            {
                var first = File.ReadLines(Path.Combine(_directory, "pgdata", "postmaster.pid")).FirstOrDefault();
                return int.TryParse(first, out var pid) ? pid : null;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return null;
            }
        }
    }

    /// <param name="serviceDll">A specific build of the service (e.g. one pinned to a commit); default: the repository's Release build.</param>
    /// <param name="postgresSettings">Server settings (appended to postgresql.conf, then a restart) for this run's cluster only, e.g. to load
    /// pg_stat_statements and auto_explain while looking for a slow statement.</param>
    public static async Task<BenchEnvironment> StartAsync(IAnsiConsole console, IReadOnlyDictionary<string, string> serviceSettings, string? serviceDll,
        IReadOnlyDictionary<string, string> postgresSettings, CancellationToken ct, bool sidecar = false)
    {
        var root = FindRepositoryRoot() ?? throw new BenchSetupException(
            $"Cannot find the repository ({DevenvRelativePath}) above {AppContext.BaseDirectory} or {Environment.CurrentDirectory}; pass --url to bench a running service.");
        var dll = Path.GetFullPath(serviceDll ?? Path.Combine(root, ServiceDllRelativePath));
        if (!File.Exists(dll))
        {
            throw new BenchSetupException(serviceDll is null
                ? $"{ServiceDllRelativePath} is missing: dotnet build services/Transactions/LedgerX.Transactions.Api -c Release"
                : $"--service-dll {serviceDll} does not exist");
        }
        console.MarkupLine($"[grey]service build: {Markup.Escape(dll)} ({File.GetLastWriteTimeUtc(dll):yyyy-MM-dd HH:mm:ss} UTC)[/]");
        var directory = Directory.CreateTempSubdirectory("ledgerx-bench-").FullName;
        var environment = new BenchEnvironment(console, Path.Combine(root, DevenvRelativePath), directory);
        try
        {
            var connection = await environment.StartServersAsync(ct);
            if (postgresSettings.Count > 0)
            {
                connection = await environment.ApplyPostgresSettingsAsync(postgresSettings, ct);
            }
            environment.PostgresPort = PortOf(connection);
            await environment.CreateDatabaseAsync(connection, postgresSettings.Keys, ct);
            var grpcPort = sidecar ? await environment.StartSidecarAsync(root, ct) : (int?)null;
            await environment.StartServiceAsync(dll, WithDatabase(connection, DatabaseName), serviceSettings, grpcPort, ct);
            return environment;
        }
        catch
        {
            await environment.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        Stop(ref _service);
        Stop(ref _sidecar);
        foreach (var log in new[] { _serviceLog, _sidecarLog })
        {
            if (log is not null)
            {
                await log.DisposeAsync();
            }
        }
        (_serviceLog, _sidecarLog) = (null, null);
        await _issuer.DisposeAsync();
        // Not the caller's token: teardown must run even (especially) after Ctrl-C.
        try
        {
            var stopped = await ProcessRunner.RunAsync("bash", [_devenv, "stop", _directory, "--purge"], DevenvTimeout, CancellationToken.None);
            if (stopped.ExitCode != 0)
            {
                _console.MarkupLine($"[yellow]warning:[/] devenv stop failed: {Markup.Escape(stopped.StandardError.Trim())}");
            }
        }
        catch (Exception ex) when (ex is TimeoutException or System.ComponentModel.Win32Exception)
        {
            _console.MarkupLine($"[yellow]warning:[/] could not stop the servers in {Markup.Escape(_directory)}: {Markup.Escape(ex.Message)}");
        }
    }

    private static void Stop(ref Process? process)
    {
        if (process is null)
        {
            return;
        }
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(StopTimeout);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
        process.Dispose();
        process = null;
    }

    private async Task<string> StartServersAsync(CancellationToken ct)
    {
        _console.MarkupLine($"[grey]starting PostgreSQL (fsync on) in {Markup.Escape(_directory)}[/]");
        var started = await ProcessRunner.RunAsync("bash", [_devenv, "start", _directory], DevenvTimeout, ct);
        var connection = started.StandardOutput.Split('\n')
            .FirstOrDefault(line => line.StartsWith("LEDGERX_POSTGRES=", StringComparison.Ordinal))?["LEDGERX_POSTGRES=".Length..].Trim();
        if (started.ExitCode != 0 || string.IsNullOrEmpty(connection))
        {
            throw new BenchSetupException($"devenv.sh start failed (exit {started.ExitCode}): {started.StandardError.Trim()}");
        }
        _redis = started.StandardOutput.Split('\n')
            .FirstOrDefault(line => line.StartsWith("LEDGERX_REDIS=", StringComparison.Ordinal))?["LEDGERX_REDIS=".Length..].Trim();
        return connection;
    }

    /// <summary>Appends the settings to the cluster's postgresql.conf (as devenv.sh writes its own; ALTER SYSTEM would refuse a
    /// library's settings before the library is loaded), then restarts it through devenv, which keeps the cluster and, if
    /// free, its port. Returns the connection string after the restart.</summary>
    private async Task<string> ApplyPostgresSettingsAsync(IReadOnlyDictionary<string, string> settings, CancellationToken ct)
    {
        var lines = settings.Select(s => $"{s.Key} = '{s.Value.Replace("'", "''", StringComparison.Ordinal)}'");
        await File.AppendAllTextAsync(Path.Combine(_directory, "pgdata", "postgresql.conf"),
            "\n# ── ledgerx bench --postgres-setting ──\n" + string.Join('\n', lines) + "\n", ct);
        _console.MarkupLine($"[grey]restarting PostgreSQL with {Markup.Escape(string.Join(", ", settings.Select(s => $"{s.Key}={s.Value}")))}[/]");
        var stopped = await ProcessRunner.RunAsync("bash", [_devenv, "stop", _directory], DevenvTimeout, ct);
        if (stopped.ExitCode != 0)
        {
            throw new BenchSetupException($"devenv.sh stop failed (exit {stopped.ExitCode}): {stopped.StandardError.Trim()}");
        }
        return await StartServersAsync(ct);
    }

    private async Task CreateDatabaseAsync(string connection, IEnumerable<string> extraSettings, CancellationToken ct)
    {
        var port = PortOf(connection);
        var psql = FindPsql();
        string[] target = [psql, "-h", "127.0.0.1", "-p", port, "-U", "postgres", "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-Atc"];
        var created = await ProcessRunner.RunAsync(target[0], [.. target[1..], $"CREATE DATABASE {DatabaseName}"], DevenvTimeout, ct);
        if (created.ExitCode != 0)
        {
            throw new BenchSetupException($"CREATE DATABASE failed: {created.StandardError.Trim()}");
        }
        var shown = await ProcessRunner.RunAsync(target[0], [.. target[1..],
            "SELECT name || '=' || current_setting(name) FROM pg_settings WHERE name IN ('server_version', 'fsync', 'synchronous_commit', " +
            "'full_page_writes', 'wal_level', 'shared_buffers', 'commit_delay', 'max_connections'" +
            string.Concat(extraSettings.Select(name => $", '{name}'")) + ") ORDER BY name"], DevenvTimeout, ct);
        PostgresSettings = shown.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split('=', 2)).Where(pair => pair.Length == 2).ToDictionary(pair => pair[0], pair => pair[1]);
    }

    /// <summary>
    /// A LocalDapr sidecar for transaction-service, as `./ledgerx up` starts it: the repository's pubsub component (Redis
    /// Streams, the same scopes) pointed at the Redis devenv started for this run. No app port: the ledger subscribes to
    /// nothing, it only publishes. Returns the sidecar's gRPC port once it accepts connections.
    /// </summary>
    private async Task<int> StartSidecarAsync(string root, CancellationToken ct)
    {
        var dll = Path.Combine(root, SidecarDllRelativePath);
        if (!File.Exists(dll))
        {
            throw new BenchSetupException($"{SidecarDllRelativePath} is missing: dotnet build tools/LocalDapr/LedgerX.LocalDapr.Host -c Release");
        }
        if (string.IsNullOrEmpty(_redis))
        {
            throw new BenchSetupException("devenv.sh start printed no LEDGERX_REDIS line; the sidecar needs the run's Redis.");
        }
        var components = Directory.CreateDirectory(Path.Combine(_directory, "components")).FullName;
        var pubsub = await File.ReadAllTextAsync(Path.Combine(root, PubSubComponentRelativePath), ct);
        await File.WriteAllTextAsync(Path.Combine(components, "pubsub.yaml"), pubsub.Replace("localhost:6379", _redis, StringComparison.Ordinal), ct);

        var (grpcPort, httpPort, metricsPort) = (FreePort(), FreePort(), FreePort());
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[]
                 {
                     dll, "sidecar", "--app-id", ServiceAppId, "--dapr-grpc-port", Invariant(grpcPort), "--dapr-http-port", Invariant(httpPort),
                     "--metrics-port", Invariant(metricsPort), "--resources-path", components,
                     "--registry-dir", Directory.CreateDirectory(Path.Combine(_directory, "registry")).FullName, "--log-level", "warn",
                 })
        {
            info.ArgumentList.Add(argument);
        }
        var logPath = Path.Combine(_directory, "sidecar.log");
        _sidecarLog = new StreamWriter(logPath) { AutoFlush = true };
        _console.MarkupLine($"[grey]starting a LocalDapr sidecar (gRPC {grpcPort}, Redis pub/sub at {Markup.Escape(_redis)})[/]");
        _sidecar = Start(info, _sidecarLog);

        var deadline = Stopwatch.GetTimestamp() + (long)(HealthTimeout.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < deadline)
        {
            ct.ThrowIfCancellationRequested();
            if (_sidecar.HasExited)
            {
                throw new BenchSetupException($"the sidecar exited with code {_sidecar.ExitCode} while starting:\n{Tail(logPath, _sidecarLog)}");
            }
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, grpcPort, ct);
                return grpcPort;
            }
            catch (SocketException)
            {
                // Not listening yet (components load first).
            }
            await Task.Delay(250, ct);
        }
        throw new BenchSetupException($"the sidecar did not listen on gRPC {grpcPort} within {HealthTimeout.TotalSeconds:0} s:\n{Tail(logPath, _sidecarLog)}");
    }

    /// <summary>Starts a process whose output goes to <paramref name="log"/>: it must be drained or the process blocks once
    /// the pipe fills, and the file is there for post-mortems.</summary>
    private static Process Start(ProcessStartInfo info, StreamWriter log)
    {
        var process = Process.Start(info) ?? throw new BenchSetupException("Could not start dotnet.");
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (log) { log.WriteLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (log) { log.WriteLine(e.Data); } } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static string Invariant(int value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private async Task StartServiceAsync(string dll, string connection, IReadOnlyDictionary<string, string> settings, int? sidecarGrpcPort,
        CancellationToken ct)
    {
        var port = FreePort();
        BaseUrl = new Uri($"http://127.0.0.1:{port}/");
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(dll);
        var environment = new Dictionary<string, string>(settings)
        {
            ["ConnectionStrings__Ledger"] = connection,
            ["ASPNETCORE_URLS"] = BaseUrl.ToString().TrimEnd('/'),
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            // Without --sidecar the gRPC port only has to be unused, so the relay's publishes fail fast; with it, publishes go
            // to the sidecar. The HTTP endpoint is the bench's issuer either way: it answers the one invocation the service
            // makes there (auth-service's JWKS), which no sidecar here could route.
            ["DAPR_GRPC_PORT"] = Invariant(sidecarGrpcPort ?? FreePort()),
            ["DAPR_HTTP_ENDPOINT"] = _issuer.Endpoint.ToString().TrimEnd('/'),
            ["Auth__Issuer"] = BenchIssuer.Issuer,
        };
        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }
        ServiceSettings = settings;

        var logPath = Path.Combine(_directory, "transaction-service.log");
        _serviceLog = new StreamWriter(logPath) { AutoFlush = true };
        var log = _serviceLog;
        _console.MarkupLine($"[grey]starting transaction-service on {BaseUrl} ({string.Join(", ", settings.Select(s => $"{s.Key}={s.Value}"))})[/]");
        _service = Start(info, log);

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.GetTimestamp() + (long)(HealthTimeout.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < deadline)
        {
            ct.ThrowIfCancellationRequested();
            if (_service.HasExited)
            {
                throw new BenchSetupException($"transaction-service exited with code {_service.ExitCode} while starting:\n{Tail(logPath, log)}");
            }
            try
            {
                using var response = await http.GetAsync(new Uri(BaseUrl, "healthz"), ct);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
            {
                // Not listening yet (migrations run before Kestrel starts).
            }
            await Task.Delay(250, ct);
        }
        throw new BenchSetupException($"transaction-service did not answer /healthz within {HealthTimeout.TotalSeconds:0} s:\n{Tail(logPath, log)}");
    }

    private static string Tail(string path, StreamWriter log)
    {
        lock (log)
        {
            return string.Join('\n', File.ReadLines(path).TakeLast(20));
        }
    }

    private static string? FindRepositoryRoot()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
        {
            // Bounded walk: a path has finitely many parents, and 16 is far more than bin/Release/net10.0 needs.
            var directory = new DirectoryInfo(start);
            for (var depth = 0; directory is not null && depth < 16; depth++, directory = directory.Parent)
            {
                if (File.Exists(Path.Combine(directory.FullName, DevenvRelativePath)))
                {
                    return directory.FullName;
                }
            }
        }
        return null;
    }

    /// <summary>psql from PATH, else from the newest /usr/lib/postgresql/*/bin (where Debian puts it).</summary>
    internal static string FindPsql()
    {
        var onPath = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, "psql")).FirstOrDefault(File.Exists);
        if (onPath is not null)
        {
            return onPath;
        }
        var debian = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(dir => Path.Combine(dir, "bin", "psql")).Where(File.Exists).Order().LastOrDefault()
            : null;
        return debian ?? throw new BenchSetupException("psql was not found (install the Debian postgresql package).");
    }

    private static string PortOf(string connection) =>
        PortPattern().Match(connection) is { Success: true } match
            ? match.Groups[1].Value
            : throw new BenchSetupException($"No Port= in the connection string '{connection}'.");

    private static string WithDatabase(string connection, string database) =>
        DatabasePattern().IsMatch(connection) ? DatabasePattern().Replace(connection, $"Database={database}") : $"{connection};Database={database}";

    /// <summary>A port reserved for this process until it exits (see <c>PortReservation</c>).</summary>
    private static int FreePort() => LedgerX.LocalDapr.Launcher.PortReservation.Next();

    [GeneratedRegex(@"(?i)\bPort=(\d+)")]
    private static partial Regex PortPattern();

    [GeneratedRegex(@"(?i)\bDatabase=[^;]*")]
    private static partial Regex DatabasePattern();
}
