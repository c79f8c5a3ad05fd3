using LedgerX.LocalDapr.Hosting;
using LedgerX.LocalDapr.Launcher;
using LedgerX.LocalDapr.Resources;
using Microsoft.Extensions.Logging;

namespace LedgerX.LocalDapr.Host;

internal static class Cli
{
    private const string Usage = """
        localdapr: a local Dapr-compatible sidecar and multi-app launcher (docs/local-dapr.md)

        usage:
          localdapr run -f <dir|dapr.yaml> [--registry-dir DIR] [--app-start-timeout SECONDS] [--log-level LEVEL]
          localdapr sidecar --app-id ID [--app-port N] [--app-channel-address ADDR] [--dapr-http-port N]
                            [--dapr-grpc-port N] [--metrics-port N (9090)] [--enable-metrics false]
                            [--resources-path DIR]... [--config FILE] [--registry-dir DIR] [--log-level LEVEL]
          localdapr bench [--iterations N] [--redis HOST:PORT]   added latency per invocation hop and publish -> delivery

        DAPR_API_TOKEN and APP_API_TOKEN are read from the environment, as daprd does.
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        CommandLine line;
        try
        {
            line = CommandLine.Parse(args);
            return line.Command switch
            {
                "run" => await RunFileAsync(line),
                "sidecar" => await SidecarAsync(line),
                "bench" => await BenchAsync(line),
                "help" or "--help" or "-h" => Help(0),
                _ => Help(2),
            };
        }
        catch (ArgumentException ex)
        {
            await Console.Error.WriteLineAsync($"localdapr: {ex.Message}");
            return 2;
        }
        catch (ResourceException ex)
        {
            await Console.Error.WriteLineAsync($"localdapr: invalid resource: {ex.Message}");
            return 1;
        }
        catch (InvalidOperationException ex)
        {
            await Console.Error.WriteLineAsync($"localdapr: {ex.Message}");
            return 1;
        }
        catch (IOException ex)
        {
            // Typically a port already in use ("Failed to bind to address ...").
            await Console.Error.WriteLineAsync($"localdapr: {ex.Message}");
            return 1;
        }
    }

    /// <summary>Kept alive for the process lifetime; a collected registration would stop handling the signal.</summary>
    private static readonly List<System.Runtime.InteropServices.PosixSignalRegistration> Registrations = [];

    private static int Help(int exitCode)
    {
        (exitCode == 0 ? Console.Out : Console.Error).WriteLine(Usage);
        return exitCode;
    }

    private static async Task<int> RunFileAsync(CommandLine line)
    {
        line.RejectUnknown("f", "run-file", "registry-dir", "app-start-timeout", "log-level");
        string target = line.Get("f", "run-file") ?? ".";
        var runFile = RunFile.Load(target);
        var options = new LauncherOptions
        {
            RegistryDirectory = line.Get("registry-dir") ?? LauncherOptions.DefaultRegistryDirectory,
            AppStartTimeout = TimeSpan.FromSeconds(line.Int("app-start-timeout") ?? 180),
            SidecarLogLevel = ParseLevel(line.Get("log-level")),
        };
        var output = new ConsoleOutput(Console.Out, colour: !Console.IsOutputRedirected);
        using var stop = StopOnCtrlC();
        output.Plain($"starting {runFile.Apps.Count} app(s) from {runFile.File}");
        return await new MultiAppRunner(runFile, options, output).RunAsync(stop.Token);
    }

    private static async Task<int> SidecarAsync(CommandLine line)
    {
        line.RejectUnknown("app-id", "app-port", "app-channel-address", "dapr-http-port", "dapr-grpc-port", "metrics-port", "enable-metrics", "resources-path", "components-path", "config", "registry-dir", "log-level");
        string appId = line.Get("app-id") ?? throw new ArgumentException("--app-id is required");
        var output = new ConsoleOutput(Console.Out, colour: !Console.IsOutputRedirected);
        var level = ParseLevel(line.Get("log-level"));
        using var loggers = LoggerFactory.Create(b => b.ClearProviders().SetMinimumLevel(level).AddFilter("Microsoft", LogLevel.Warning).AddProvider(new PrefixedLoggerProvider(output, $"{appId} daprd", level)));
        using var stop = StopOnCtrlC();
        await using var sidecar = await LocalDaprSidecar.StartAsync(
            new SidecarOptions
            {
                AppId = appId,
                AppPort = line.Int("app-port"),
                AppChannelAddress = line.Get("app-channel-address") ?? "127.0.0.1",
                HttpPort = line.Int("dapr-http-port") ?? 3500,
                GrpcPort = line.Int("dapr-grpc-port") ?? 50001,
                MetricsPort = line.Get("enable-metrics") is "false" ? null : line.Int("metrics-port") ?? 9090,
                ResourcesPaths = line.All("resources-path", "components-path").Select(Path.GetFullPath).ToList(),
                ConfigFile = line.Get("config") is { } config ? Path.GetFullPath(config) : null,
                ApiToken = Environment.GetEnvironmentVariable("DAPR_API_TOKEN"),
                AppApiToken = Environment.GetEnvironmentVariable("APP_API_TOKEN"),
                RegistryDirectory = line.Get("registry-dir") ?? LauncherOptions.DefaultRegistryDirectory,
                WaitForApp = false,
                AppReadyTimeout = TimeSpan.FromMinutes(10),
                LoggerFactory = loggers,
            },
            stop.Token);

        output.Line($"{appId} daprd", $"ready: HTTP {sidecar.HttpPort}, gRPC {sidecar.GrpcPort}, metrics {(sidecar.MetricsPort?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "off")}");
        try
        {
            await Task.WhenAny(sidecar.ShutdownRequested, Task.Delay(Timeout.Infinite, stop.Token));
        }
        catch (OperationCanceledException)
        {
            // Ctrl-C.
        }

        return 0;
    }

    private static Task<int> BenchAsync(CommandLine line)
    {
        line.RejectUnknown("iterations", "redis");
        return LatencyBenchmark.RunAsync(line.Int("iterations") ?? 2000, line.Get("redis") ?? Environment.GetEnvironmentVariable("LEDGERX_REDIS"), Console.Out);
    }

    private static LogLevel ParseLevel(string? text) => text?.ToLowerInvariant() switch
    {
        null or "info" => LogLevel.Information,
        "debug" => LogLevel.Debug,
        "warn" or "warning" => LogLevel.Warning,
        "error" => LogLevel.Error,
        _ => throw new ArgumentException($"unknown log level '{text}' (debug, info, warn, error)"),
    };

    private static CancellationTokenSource StopOnCtrlC()
    {
        // SIGINT (Ctrl-C) and SIGTERM both become a graceful stop: apps are stopped and sidecars drained first.
        var cts = new CancellationTokenSource();
        foreach (var signal in new[] { System.Runtime.InteropServices.PosixSignal.SIGINT, System.Runtime.InteropServices.PosixSignal.SIGTERM })
        {
            Registrations.Add(System.Runtime.InteropServices.PosixSignalRegistration.Create(signal, context =>
            {
                context.Cancel = true;
                cts.Cancel();
            }));
        }

        return cts;
    }
}
