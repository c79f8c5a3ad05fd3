using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Text;
using System.Text.Json;
using LedgerX.Testing;

namespace LedgerX.LocalDapr.Conformance.Tests.Harness;

/// <summary>
/// One JavaScript app (<c>js/apps/&lt;block&gt;/app.js</c>) running under the real launcher: a generated
/// <c>dapr.yaml</c> with free ports and the backend's components, <c>dotnet localdapr.dll run -f</c> as a child
/// process (so the app gets exactly the environment <c>dapr run -f</c> gives it), and an HTTP client for the app's
/// control API (<c>js/lib/control.js</c>). Everything the launcher prints is kept for the failure message.
/// </summary>
public sealed class JsAppRun : IAsyncDisposable
{
    /// <summary>
    /// A start takes seconds (Node loading the SDKs, the sidecar's JIT), but on a 2-core machine shared with other
    /// builds it took over a minute once: the bound is generous, it only turns a hang into a failure.
    /// </summary>
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(10);
    private const int MaxLogLines = 400;

    private readonly Process _launcher;
    private readonly string _directory;
    private readonly string? _database;
    private readonly Queue<string> _log = new();
    private readonly Lock _logGate = new();

    private JsAppRun(Process launcher, string directory, string? database, int appPort, int controlPort, int daprHttpPort, int daprGrpcPort, string appId)
    {
        _launcher = launcher;
        _directory = directory;
        _database = database;
        AppPort = appPort;
        DaprHttpPort = daprHttpPort;
        DaprGrpcPort = daprGrpcPort;
        AppId = appId;
        Control = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{controlPort}"), Timeout = TimeSpan.FromSeconds(60) };
    }

    public string AppId { get; }

    public int AppPort { get; }

    public int DaprHttpPort { get; }

    public int DaprGrpcPort { get; }

    /// <summary>The app's control API (<c>http://127.0.0.1:{AppPort}</c>; a gRPC app's on <c>CONTROL_PORT</c>).</summary>
    public HttpClient Control { get; }

    /// <summary>The last lines the launcher, its sidecar and the app printed.</summary>
    public string Log
    {
        get
        {
            lock (_logGate)
            {
                return string.Join('\n', _log);
            }
        }
    }

    /// <param name="block">The folder under <c>js/apps</c>.</param>
    /// <param name="launcherEnvironment">Extra variables for the launcher process (and so its in-process sidecar).</param>
    /// <param name="appProtocol">
    /// <c>appProtocol</c> of the run file: <c>grpc</c> apps serve gRPC on APP_PORT, so their control API gets its own
    /// port (<c>CONTROL_PORT</c> in the app's <c>env</c>).
    /// </param>
    public static async Task<JsAppRun> StartAsync(string block, ConformanceBackend backend, IReadOnlyDictionary<string, string>? launcherEnvironment, CancellationToken cancellationToken, string appProtocol = "http")
    {
        string appDirectory = RepositoryRoot.PathOf("tests", "LocalDapr.Conformance", "js", "apps", block);
        if (!File.Exists(Path.Combine(appDirectory, "app.js")))
        {
            throw new InvalidOperationException($"no conformance app {appDirectory}/app.js");
        }

        string directory = Directory.CreateTempSubdirectory("ledgerx-conformance-").FullName;
        string? database = await ConformanceComponents.WriteAsync(backend, Path.Combine(directory, "resources"), cancellationToken);
        int appPort = FreePort(), httpPort = FreePort(), grpcPort = FreePort();
        int controlPort = appProtocol == "grpc" ? FreePort() : appPort;
        string appId = $"{block}-js";
        string runFile = Path.Combine(directory, "dapr.yaml");
        await File.WriteAllTextAsync(runFile, string.Create(CultureInfo.InvariantCulture, $"""
            version: 1
            common:
              resourcesPaths:
                - {Path.Combine(directory, "resources")}
            apps:
              - appID: {appId}
                appDirPath: {appDirectory}
                appPort: {appPort}
                daprHTTPPort: {httpPort}
                daprGRPCPort: {grpcPort}
                appProtocol: {appProtocol}
                command: ["node", "app.js"]
                env:
                  CONTROL_PORT: "{controlPort}"
                  # No tokens: the launcher would generate them, and @dapr/durabletask-js sends none. Tokens are
                  # covered by tests/LocalDapr.Tests; these apps check what the SDKs see of the building blocks.
                  DAPR_API_TOKEN: ""
                  APP_API_TOKEN: ""

            """), cancellationToken);

        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = directory,
        };
        info.ArgumentList.Add(LauncherDll());
        foreach (string arg in new[] { "run", "-f", runFile, "--registry-dir", Path.Combine(directory, "registry"), "--app-start-timeout", "180" })
        {
            info.ArgumentList.Add(arg);
        }

        // The components name their servers; the launcher must not swap them for servers of its own choosing.
        info.Environment.Remove("LEDGERX_POSTGRES");
        info.Environment.Remove("LEDGERX_REDIS");
        foreach (var (key, value) in launcherEnvironment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start the launcher");
        var run = new JsAppRun(process, directory, database, appPort, controlPort, httpPort, grpcPort, appId);
        process.OutputDataReceived += (_, e) => run.Append(e.Data);
        process.ErrorDataReceived += (_, e) => run.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await run.WaitUntilReadyAsync(cancellationToken);
        }
        catch
        {
            await run.DisposeAsync();
            throw;
        }

        return run;
    }

    /// <summary>POSTs <paramref name="body"/> as JSON to a control route; a route that failed throws <see cref="ControlCallException"/>.</summary>
    public async Task<JsonElement> CallAsync(string route, object? body, CancellationToken cancellationToken)
    {
        using var content = new StringContent(JsonSerializer.Serialize(body ?? new { }), Encoding.UTF8, "application/json");
        using var response = await Control.PostAsync(route, content, cancellationToken);
        string text = await response.Content.ReadAsStringAsync(cancellationToken);
        using var document = JsonDocument.Parse(text.Length == 0 ? "null" : text);
        var json = document.RootElement.Clone();
        if (!response.IsSuccessStatusCode)
        {
            throw new ControlCallException(route, (int)response.StatusCode, json);
        }

        return json;
    }

    public async ValueTask DisposeAsync()
    {
        Control.Dispose();
        if (!_launcher.HasExited)
        {
            // SIGTERM: the launcher stops the app and drains its sidecar, as on Ctrl-C.
            using (var term = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-TERM", _launcher.Id.ToString(CultureInfo.InvariantCulture) }, UseShellExecute = false }))
            {
                await term!.WaitForExitAsync();
            }

            using var grace = new CancellationTokenSource(StopTimeout);
            try
            {
                await _launcher.WaitForExitAsync(grace.Token);
            }
            catch (OperationCanceledException)
            {
                _launcher.Kill(entireProcessTree: true);
                await _launcher.WaitForExitAsync();
            }
        }

        _launcher.Dispose();
        if (_database is not null)
        {
            await TestPostgres.DropDatabaseAsync(_database);
        }

        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open; the temp folder is cleaned by the OS.
        }
    }

    private async Task WaitUntilReadyAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(StartTimeout);
        while (true)
        {
            if (_launcher.HasExited)
            {
                throw new InvalidOperationException($"the launcher exited with code {_launcher.ExitCode} before {AppId} was ready:\n{Log}");
            }

            try
            {
                // The app's control API and the sidecar's health: daprd's /v1.0/healthz answers 204 only once the
                // app is connected and its subscriptions started, so a test never publishes into a topic nobody
                // has subscribed to yet (the in-memory broker drops such messages, as daprd's does).
                using var response = await Control.GetAsync("/healthz", timeout.Token);
                if (response.StatusCode == HttpStatusCode.OK && await SidecarHealthyAsync(timeout.Token))
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"{AppId} was not ready within {StartTimeout.TotalSeconds:F0}s:\n{Log}");
            }

            try
            {
                await Task.Delay(100, timeout.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"{AppId} was not ready within {StartTimeout.TotalSeconds:F0}s:\n{Log}");
            }
        }
    }

    private async Task<bool> SidecarHealthyAsync(CancellationToken cancellationToken)
    {
        using var response = await Control.GetAsync($"http://127.0.0.1:{DaprHttpPort}/v1.0/healthz", cancellationToken);
        return response.IsSuccessStatusCode;
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_logGate)
        {
            _log.Enqueue(line);
            while (_log.Count > MaxLogLines)
            {
                _log.Dequeue();
            }
        }
    }

    private static string LauncherDll()
    {
        string configuration = typeof(JsAppRun).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "LocalDaprConfiguration").Value!;
        string dll = RepositoryRoot.PathOf("tools", "LocalDapr", "LedgerX.LocalDapr.Host", "bin", configuration, "net10.0", "localdapr.dll");
        return File.Exists(dll) ? dll : throw new InvalidOperationException($"the launcher is not built: {dll} (build the solution first)");
    }

    private static int FreePort() => LedgerX.LocalDapr.Launcher.PortReservation.Next();
}

/// <summary>A control route answered with an error: what the JavaScript SDK threw (message and gRPC code, if any).</summary>
public sealed class ControlCallException(string route, int status, JsonElement body)
    : Exception($"control route {route} answered {status}: {body}")
{
    public JsonElement Body { get; } = body;

    public string Error => Body.ValueKind == JsonValueKind.Object && Body.TryGetProperty("error", out var e) ? e.GetString() ?? "" : "";

    /// <summary>The gRPC status code the SDK reported (<c>err.code</c>), when it was a gRPC error.</summary>
    public int? GrpcCode => Body.ValueKind == JsonValueKind.Object && Body.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.Number ? c.GetInt32() : null;
}
