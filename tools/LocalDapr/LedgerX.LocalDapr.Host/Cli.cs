using System.CommandLine;
using LedgerX.LocalDapr.Hosting;
using LedgerX.LocalDapr.Launcher;
using LedgerX.LocalDapr.Resources;
using Microsoft.Extensions.Logging;

namespace LedgerX.LocalDapr.Host;

/// <summary>
/// The <c>localdapr</c> command line (System.CommandLine): <c>run</c>, <c>sidecar</c>, <c>bench</c>, with daprd's and
/// the dapr CLI's flag names so commands copied from Dapr docs work. Exit codes: 0 done, 1 runtime failure, 2 usage.
/// </summary>
internal static class Cli
{
    private const string Epilog = "DAPR_API_TOKEN and APP_API_TOKEN are read from the environment, as daprd does (docs/local-dapr.md).";

    /// <summary>Kept alive for the process lifetime; a collected registration would stop handling the signal.</summary>
    private static readonly List<System.Runtime.InteropServices.PosixSignalRegistration> Registrations = [];

    public static async Task<int> RunAsync(string[] args)
    {
        var root = new RootCommand($"localdapr: a local Dapr-compatible sidecar and multi-app launcher. {Epilog}")
        {
            RunCommand(),
            SidecarCommand(),
            BenchCommand(),
        };

        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors)
            {
                await Console.Error.WriteLineAsync($"localdapr: {error.Message}");
            }

            await Console.Error.WriteLineAsync("localdapr --help lists the commands and their options");
            return 2;
        }

        try
        {
            // Our own SIGINT/SIGTERM handling drains apps and sidecars (which takes longer than the library's 2 s grace),
            // and failures are reported below as one line with daprd-like exit codes rather than a stack trace.
            return await parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null, EnableDefaultExceptionHandler = false });
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

    private static Command RunCommand()
    {
        var file = new Option<string>("--run-file", "-f") { Description = "the run file, or the folder holding dapr.yaml", DefaultValueFactory = _ => "." };
        var registry = RegistryOption();
        var startTimeout = new Option<int>("--app-start-timeout") { Description = "seconds to wait for every app to answer (the first dotnet run builds)", DefaultValueFactory = _ => 180 };
        var level = LogLevelOption();
        var logDirectory = new Option<string?>("--log-dir") { Description = "where each app's and sidecar's JSON log lines go (<app-id>.jsonl, read by ./ledgerx logs); default .ledgerx/logs beside the run file, as `dapr run -f` keeps .dapr/logs" };
        var logMaxMb = new Option<int>("--log-file-max-mb") { Description = "an app's log file is rotated at this size (one rotated file kept)", DefaultValueFactory = _ => (int)(LogFiles.DefaultMaxBytes / (1024 * 1024)) };
        var command = new Command("run", "start every app of a dapr.yaml with its own sidecar, as `dapr run -f`") { file, registry, startTimeout, level, logDirectory, logMaxMb };
        command.SetAction(async (parsed, cancellationToken) =>
        {
            var runFile = RunFile.Load(parsed.GetValue(file)!);
            var options = new LauncherOptions
            {
                RegistryDirectory = parsed.GetValue(registry)!,
                AppStartTimeout = TimeSpan.FromSeconds(Positive(parsed.GetValue(startTimeout), "--app-start-timeout")),
                SidecarLogLevel = parsed.GetValue(level),
                LogDirectory = parsed.GetValue(logDirectory) ?? Path.Combine(Path.GetDirectoryName(runFile.File)!, ".ledgerx", "logs"),
                LogFileMaxBytes = Positive(parsed.GetValue(logMaxMb), "--log-file-max-mb") * 1024L * 1024,
            };
            var output = new ConsoleOutput(Console.Out, colour: !Console.IsOutputRedirected);
            using var stop = StopOnSignals(cancellationToken);
            output.Plain($"starting {runFile.Apps.Count} app(s) from {runFile.File}");
            return await new MultiAppRunner(runFile, options, output).RunAsync(stop.Token);
        });
        return command;
    }

    private static Command SidecarCommand()
    {
        var appId = new Option<string>("--app-id") { Description = "the app id", Required = true };
        var appPort = new Option<int?>("--app-port") { Description = "the app's port; none for a sidecar without an app" };
        var appProtocol = new Option<string>("--app-protocol") { Description = "how the app listens: http, or grpc (the sidecar calls its AppCallback service)", DefaultValueFactory = _ => "http" };
        appProtocol.AcceptOnlyFromAmong("http", "grpc");
        var channelAddress = new Option<string>("--app-channel-address") { Description = "the app's address", DefaultValueFactory = _ => "127.0.0.1" };
        var httpPort = new Option<int>("--dapr-http-port") { Description = "the Dapr HTTP API port", DefaultValueFactory = _ => 3500 };
        var grpcPort = new Option<int>("--dapr-grpc-port") { Description = "the Dapr gRPC API port", DefaultValueFactory = _ => 50001 };
        var metricsPort = new Option<int>("--metrics-port") { Description = "the Prometheus /metrics port", DefaultValueFactory = _ => 9090 };
        var enableMetrics = new Option<bool>("--enable-metrics") { Description = "serve /metrics", DefaultValueFactory = _ => true };
        var resources = new Option<string[]>("--resources-path", "--components-path") { Description = "a folder of component YAML files (repeatable)", AllowMultipleArgumentsPerToken = false };
        var config = new Option<string?>("--config") { Description = "a Configuration resource file (tracing)" };
        var registry = RegistryOption();
        var level = LogLevelOption();
        var command = new Command("sidecar", "one sidecar for one app, as daprd")
        {
            appId, appPort, appProtocol, channelAddress, httpPort, grpcPort, metricsPort, enableMetrics, resources, config, registry, level,
        };
        command.SetAction(async (parsed, cancellationToken) =>
        {
            string id = parsed.GetValue(appId)!;
            var output = new ConsoleOutput(Console.Out, colour: !Console.IsOutputRedirected);
            var logLevel = parsed.GetValue(level);
            using var loggers = LoggerFactory.Create(b => b.ClearProviders().SetMinimumLevel(logLevel).AddFilter("Microsoft", LogLevel.Warning).AddProvider(new PrefixedLoggerProvider(output, $"{id} daprd", logLevel)));
            using var stop = StopOnSignals(cancellationToken);
            await using var sidecar = await LocalDaprSidecar.StartAsync(
                new SidecarOptions
                {
                    AppId = id,
                    AppPort = parsed.GetValue(appPort),
                    AppProtocol = parsed.GetValue(appProtocol) == "grpc" ? AppProtocol.Grpc : AppProtocol.Http,
                    AppChannelAddress = parsed.GetValue(channelAddress)!,
                    HttpPort = parsed.GetValue(httpPort),
                    GrpcPort = parsed.GetValue(grpcPort),
                    MetricsPort = parsed.GetValue(enableMetrics) ? parsed.GetValue(metricsPort) : null,
                    ResourcesPaths = (parsed.GetValue(resources) ?? []).Select(Path.GetFullPath).ToList(),
                    ConfigFile = parsed.GetValue(config) is { } file ? Path.GetFullPath(file) : null,
                    ApiToken = Environment.GetEnvironmentVariable("DAPR_API_TOKEN"),
                    AppApiToken = Environment.GetEnvironmentVariable("APP_API_TOKEN"),
                    Namespace = Environment.GetEnvironmentVariable("NAMESPACE") is { Length: > 0 } ns ? ns : "default",
                    RegistryDirectory = parsed.GetValue(registry)!,
                    WaitForApp = false,
                    AppReadyTimeout = TimeSpan.FromMinutes(10),
                    LoggerFactory = loggers,
                },
                stop.Token);

            output.Line($"{id} daprd", $"ready: HTTP {sidecar.HttpPort}, gRPC {sidecar.GrpcPort}, metrics {(sidecar.MetricsPort?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "off")}");
            try
            {
                await Task.WhenAny(sidecar.ShutdownRequested, Task.Delay(Timeout.Infinite, stop.Token));
            }
            catch (OperationCanceledException)
            {
                // Ctrl-C.
            }

            return 0;
        });
        return command;
    }

    private static Command BenchCommand()
    {
        var iterations = new Option<int>("--iterations") { Description = "calls per measurement", DefaultValueFactory = _ => 2000 };
        var redis = new Option<string?>("--redis") { Description = "HOST:PORT of a Redis for the Redis Streams measurement (default LEDGERX_REDIS)" };
        var command = new Command("bench", "added latency per invocation hop and publish -> delivery") { iterations, redis };
        command.SetAction((parsed, _) => LatencyBenchmark.RunAsync(
            Positive(parsed.GetValue(iterations), "--iterations"),
            parsed.GetValue(redis) ?? Environment.GetEnvironmentVariable("LEDGERX_REDIS"),
            Console.Out));
        return command;
    }

    private static Option<string> RegistryOption() => new("--registry-dir")
    {
        Description = "where sidecars of other processes are found ({appId}.json files)",
        DefaultValueFactory = _ => LauncherOptions.DefaultRegistryDirectory,
    };

    private static Option<LogLevel> LogLevelOption()
    {
        var option = new Option<LogLevel>("--log-level")
        {
            Description = "debug, info, warn or error",
            HelpName = "debug|info|warn|error",
            DefaultValueFactory = _ => LogLevel.Information,
            CustomParser = result => result.Tokens.Single().Value.ToLowerInvariant() switch
            {
                "info" => LogLevel.Information,
                "debug" => LogLevel.Debug,
                "warn" or "warning" => LogLevel.Warning,
                "error" => LogLevel.Error,
                var text => Fail(result, $"unknown log level '{text}' (debug, info, warn, error)"),
            },
        };
        return option;

        static LogLevel Fail(System.CommandLine.Parsing.ArgumentResult result, string message)
        {
            result.AddError(message);
            return LogLevel.Information;
        }
    }

    private static int Positive(int value, string name) =>
        value > 0 ? value : throw new ArgumentException($"{name} must be a positive number, got {value}");

    /// <summary>SIGINT (Ctrl-C) and SIGTERM both become a graceful stop: apps are stopped and sidecars drained first.</summary>
    private static CancellationTokenSource StopOnSignals(CancellationToken invocationToken)
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(invocationToken);
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
