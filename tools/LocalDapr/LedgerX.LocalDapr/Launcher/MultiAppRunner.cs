using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using LedgerX.LocalDapr.Hosting;
using LedgerX.LocalDapr.Resources;
using Microsoft.Extensions.Logging;

namespace LedgerX.LocalDapr.Launcher;

public sealed record LauncherOptions
{
    /// <summary>How long an app may take to listen on its port (first <c>dotnet run</c> builds).</summary>
    public TimeSpan AppStartTimeout { get; init; } = TimeSpan.FromMinutes(3);

    public string RegistryDirectory { get; init; } = DefaultRegistryDirectory;

    public LogLevel SidecarLogLevel { get; init; } = LogLevel.Information;

    /// <summary>Where <c>LEDGERX_POSTGRES</c>/<c>LEDGERX_REDIS</c> are read: the process environment (tests give their own).</summary>
    public Func<string, string?> BackendEnvironment { get; init; } = Environment.GetEnvironmentVariable;

    /// <summary>What happens when an app's process exits on its own (docs/local-dapr.md).</summary>
    public RestartPolicy RestartPolicy { get; init; } = RestartPolicy.Never;

    /// <summary>The first wait before a crashed app is started again; it doubles on each crash in a row.</summary>
    public TimeSpan RestartBackoffInitial { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest wait before a restart (Kubernetes caps its CrashLoopBackOff at 5 minutes; a laptop wants less).</summary>
    public TimeSpan RestartBackoffMax { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>An app that ran this long before it crashed is restarted after the initial wait again.</summary>
    public TimeSpan RestartBackoffReset { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Where each app's and sidecar's events are written as JSON lines (<c>&lt;app-id&gt;.jsonl</c>, <see cref="LogFiles"/>)
    /// for <c>./ledgerx logs</c>; null writes none. With a directory the apps are asked for JSON
    /// (<c>LEDGERX_LOG_FORMAT=json</c>, unless the run file sets it) and the console shows it rendered readable.
    /// </summary>
    public string? LogDirectory { get; init; }

    /// <summary>The size at which an app's log file is rotated (<see cref="AppLogFile"/>).</summary>
    public long LogFileMaxBytes { get; init; } = LogFiles.DefaultMaxBytes;

    /// <summary>Hooks for a fault injector (kill an app, stop/start a sidecar); null when nobody injects faults.</summary>
    public LauncherControl? Control { get; init; }

    public static string DefaultRegistryDirectory => Path.Combine(Path.GetTempPath(), "localdapr", "registry");
}

/// <summary>
/// <c>localdapr run -f</c>: the dapr CLI's multi-app run with in-process sidecars. Starts backends if needed, one
/// sidecar per app, then the apps with the variables <c>dapr run</c> sets; waits for health; prints where everything
/// runs; streams prefixed logs; stops everything on Ctrl-C or, under <see cref="RestartPolicy.Never"/>, when an app
/// exits on its own (under <see cref="RestartPolicy.Always"/> the app is started again, see <see cref="SupervisedApp"/>).
/// </summary>
public sealed class MultiAppRunner
{
    private readonly RunFile _runFile;
    private readonly LauncherOptions _options;
    private readonly ConsoleOutput _output;

    public MultiAppRunner(RunFile runFile, LauncherOptions options, ConsoleOutput output)
    {
        _runFile = runFile;
        _options = options;
        _output = output;
    }

    /// <summary>Runs until <paramref name="stop"/> (exit code 0) or until an app exits unexpectedly (exit code 1).</summary>
    public async Task<int> RunAsync(CancellationToken stop)
    {
        var plans = _runFile.Apps.Select(app => (App: app, Resources: ResourceLoader.Load(app.ResourcesPaths, app.ConfigFilePath, app.AppId))).ToList();

        await using var backends = new BackendProvisioner(_output, _options.BackendEnvironment);
        string stateDirectory = Path.Combine(Path.GetDirectoryName(_runFile.File)!, ".ledgerx", "localdapr-devenv");
        var overrides = await backends.ProvisionAsync(plans.Select(p => (p.Resources, p.App.AppDirPath)), stateDirectory, Path.GetDirectoryName(_runFile.File)!, stop);

        // Disposed after the apps stop (the finally below), so their last lines are written and the marker goes last.
        using var logs = _options.LogDirectory is { } logDirectory
            ? LogFiles.Open(logDirectory, plans.Select(p => p.App.AppId), _options.LogFileMaxBytes, TimeProvider.System, _output.Plain)
            : null;
        var running = new List<SupervisedApp>();
        try
        {
            foreach (var (app, _) in plans)
            {
                running.Add(await StartAppAsync(app, overrides, backends.AppEnvironment, backends.AppPostgresRedirect, logs?.For(app.AppId), stop));
            }

            if (!await WaitForHealthAsync(running, stop))
            {
                _options.Control?.Fail(new InvalidOperationException("the apps did not become healthy"));
                return 1;
            }

            PrintTable(running);
            _options.Control?.Attach(running);
            var exited = await Task.WhenAny(running.Select(r => r.ExitedForGood).Append(Task.Delay(Timeout.Infinite, stop).ContinueWith(_ => (SupervisedApp?)null, TaskScheduler.Default)));
            if (await exited is { } crashed)
            {
                _output.Plain($"app {crashed.App.AppId} exited unexpectedly with code {crashed.ExitCode}; stopping all apps");
                return 1;
            }

            _output.Plain("stopping all apps");
            return 0;
        }
        finally
        {
            foreach (var app in running.AsEnumerable().Reverse())
            {
                await app.StopAsync();
            }
        }
    }

    public const string ApiTokenVariable = "DAPR_API_TOKEN";
    public const string AppApiTokenVariable = "APP_API_TOKEN";

    /// <summary>The services' log format setting (LedgerX.ServiceDefaults' LogFormats.Setting).</summary>
    public const string JsonLogFormatVariable = "LEDGERX_LOG_FORMAT";

    /// <summary>
    /// Secure by default: a token the run file's <c>env</c> for this app sets (an empty value turns it off, e.g. for an
    /// app that clients call directly), else the launcher's environment's, else a fresh random one for this app alone,
    /// given to both the app and its sidecar. The dapr CLI has no such default (daprd gets only the CLI's environment).
    /// </summary>
    public static string? Token(RunFileApp app, string variable) =>
        app.Env.TryGetValue(variable, out string? own) ? (own.Length == 0 ? null : own)
        : Environment.GetEnvironmentVariable(variable) is { Length: > 0 } shared ? shared
        : Invocation.SidecarHop.NewToken();

    /// <summary>A port reserved for this process (see <see cref="PortReservation"/>).</summary>
    public static int FreePort() => PortReservation.Next();

    private async Task<SupervisedApp> StartAppAsync(
        RunFileApp app,
        IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> overrides,
        IReadOnlyDictionary<string, string> backendEnvironment,
        PostgresAppRedirect? postgresRedirect,
        AppLogFile? logFile,
        CancellationToken stop)
    {
        string? apiToken = Token(app, ApiTokenVariable);
        string? appApiToken = Token(app, AppApiTokenVariable);
        var loggers = LoggerFactory.Create(b =>
        {
            b.ClearProviders().SetMinimumLevel(_options.SidecarLogLevel).AddFilter("Microsoft", LogLevel.Warning).AddProvider(new PrefixedLoggerProvider(_output, $"{app.AppId} daprd", _options.SidecarLogLevel));
            if (logFile is not null)
            {
                b.AddProvider(new ClefFileLoggerProvider(logFile, _options.SidecarLogLevel, TimeProvider.System));
            }
        });
        var sidecarOptions = new SidecarOptions
        {
            AppId = app.AppId,
            AppPort = app.AppPort,
            AppChannelAddress = app.AppChannelAddress,
            AppProtocol = app.AppProtocol == "grpc" ? AppProtocol.Grpc : AppProtocol.Http,
            HttpPort = app.DaprHttpPort ?? 0,
            GrpcPort = app.DaprGrpcPort ?? 0,
            MetricsPort = app.MetricsPort ?? 0,
            ResourcesPaths = app.ResourcesPaths,
            ConfigFile = app.ConfigFilePath,
            ApiToken = apiToken,
            AppApiToken = appApiToken,
            // daprd reads its namespace from NAMESPACE (part of the identity access control checks).
            Namespace = app.Env.GetValueOrDefault("NAMESPACE") is { Length: > 0 } ns ? ns : Environment.GetEnvironmentVariable("NAMESPACE") is { Length: > 0 } shared ? shared : "default",
            WorkingDirectory = app.AppDirPath,
            RegistryDirectory = _options.RegistryDirectory,
            ComponentMetadataOverrides = overrides,
            WaitForApp = false,
            AppReadyTimeout = _options.AppStartTimeout,
            LoggerFactory = loggers,
        };
        var sidecar = await LocalDaprSidecar.StartAsync(sidecarOptions, stop);

        int metricsPort = sidecar.MetricsPort!.Value;
        ProcessStartInfo? info = null;
        if (app.Command.Count > 0)
        {
            info = new ProcessStartInfo(app.Command[0])
            {
                WorkingDirectory = app.AppDirPath,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (string arg in app.Command.Skip(1))
            {
                info.ArgumentList.Add(arg);
            }

            foreach (var (k, v) in backendEnvironment)
            {
                info.Environment[k] = v;
            }

            // The variables `dapr run` sets for the app (dapr CLI pkg/standalone/run.go), then the run file's env (app over common).
            info.Environment["APP_ID"] = app.AppId;
            info.Environment["APP_CHANNEL_ADDRESS"] = app.AppChannelAddress;
            info.Environment["APP_PROTOCOL"] = app.AppProtocol;
            info.Environment["DAPR_HTTP_PORT"] = sidecar.HttpPort.ToString(CultureInfo.InvariantCulture);
            info.Environment["DAPR_GRPC_PORT"] = sidecar.GrpcPort.ToString(CultureInfo.InvariantCulture);
            info.Environment["DAPR_METRICS_PORT"] = metricsPort.ToString(CultureInfo.InvariantCulture);
            // The app calls its sidecar with the sidecar's token and accepts calls bearing its own app token.
            info.Environment[ApiTokenVariable] = apiToken ?? "";
            info.Environment[AppApiTokenVariable] = appApiToken ?? "";
            if (app.AppPort is { } port)
            {
                info.Environment["APP_PORT"] = port.ToString(CultureInfo.InvariantCulture);
            }

            if (logFile is not null)
            {
                // JSON for the log file (each line carries its trace and span ids); the console renders it readable.
                info.Environment[JsonLogFormatVariable] = "json";
            }

            foreach (var (k, v) in app.Env)
            {
                info.Environment[k] = v;
            }

            // The components were pointed at the launcher's PostgreSQL; the app's own connection strings to the
            // server they replaced follow, or the app would reach another server (or none) than its sidecar.
            foreach (var rewrite in postgresRedirect?.RewriteAll(app.Env) ?? [])
            {
                info.Environment[rewrite.Variable] = rewrite.Value;
                _output.Plain(rewrite.Describe(app.AppId));
            }
        }

        var supervised = new SupervisedApp(app, sidecar, sidecarOptions, info, loggers, _output, logFile);
        try
        {
            supervised.Start(_options.RestartPolicy, _options);
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            await sidecar.DisposeAsync();
            throw new InvalidOperationException($"app {app.AppId}: cannot run '{app.Command[0]}' in {app.AppDirPath}: {ex.Message}", ex);
        }

        return supervised;
    }

    private async Task<bool> WaitForHealthAsync(List<SupervisedApp> running, CancellationToken stop)
    {
        var started = Stopwatch.StartNew();
        var ready = running.ToDictionary(r => r.App.AppId, r => r.Sidecar!.AppReady, StringComparer.Ordinal);
        // A quiet console: the pending apps are named when the set changes and every 10 s, not on every 2 s check.
        string? lastPending = null;
        var lastReported = TimeSpan.Zero;
        while (true)
        {
            var pending = ready.Where(kv => !kv.Value.IsCompleted).Select(kv => kv.Key).ToList();
            var failed = ready.FirstOrDefault(kv => kv.Value.IsFaulted);
            if (failed.Value is not null)
            {
                _output.Plain($"app {failed.Key} did not become healthy: {failed.Value.Exception?.InnerException?.Message}");
                return false;
            }

            if (running.FirstOrDefault(r => r.ExitedForGood.IsCompleted) is { } crashed)
            {
                _output.Plain($"app {crashed.App.AppId} exited with code {crashed.ExitCode} before becoming healthy");
                return false;
            }

            if (pending.Count == 0)
            {
                _output.Plain($"all {running.Count} apps healthy after {started.Elapsed.TotalSeconds:F1}s");
                return true;
            }

            string pendingNow = string.Join(", ", pending);
            if (pendingNow != lastPending || started.Elapsed - lastReported >= TimeSpan.FromSeconds(10))
            {
                _output.Plain($"waiting for {pendingNow} ({started.Elapsed.TotalSeconds:F0}s)");
                lastPending = pendingNow;
                lastReported = started.Elapsed;
            }

            try
            {
                await Task.WhenAny(Task.WhenAll(ready.Values), Task.Delay(TimeSpan.FromSeconds(2), stop));
            }
            catch (OperationCanceledException)
            {
                return false;
            }

            if (stop.IsCancellationRequested)
            {
                return false;
            }
        }
    }

    private void PrintTable(List<SupervisedApp> running)
    {
        string[] header = ["APP ID", "APP PORT", "DAPR HTTP", "DAPR GRPC", "METRICS", "PID", "COMMAND"];
        var rows = running.Select(r => new[]
        {
            r.App.AppId,
            r.App.AppPort?.ToString(CultureInfo.InvariantCulture) ?? "-",
            r.Sidecar!.HttpPort.ToString(CultureInfo.InvariantCulture),
            r.Sidecar!.GrpcPort.ToString(CultureInfo.InvariantCulture),
            r.MetricsPort.ToString(CultureInfo.InvariantCulture),
            r.Process?.Id.ToString(CultureInfo.InvariantCulture) ?? "-",
            string.Join(' ', r.App.Command),
        }).ToList();
        int[] widths = header.Select((h, i) => rows.Select(r => r[i].Length).Append(h.Length).Max()).ToArray();
        _output.Plain(string.Join("  ", header.Select((h, i) => h.PadRight(widths[i]))));
        foreach (var row in rows)
        {
            _output.Plain(string.Join("  ", row.Select((c, i) => c.PadRight(widths[i]))));
        }

        // Never the values: they are the only thing standing between a local process and an app's port.
        var open = running.Where(r => string.IsNullOrEmpty(r.Sidecar!.Runtime.Options.AppApiToken)).Select(r => r.App.AppId).ToList();
        _output.Plain($"sidecar API and app tokens: per app (DAPR_API_TOKEN / APP_API_TOKEN, random unless set){(open.Count > 0 ? "; no app token for: " + string.Join(", ", open) : "")}");
    }
}
