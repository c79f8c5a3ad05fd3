using LedgerX.Cli.Common;
using LedgerX.Cli.Verify;
using Spectre.Console;

namespace LedgerX.Cli.Bench;

/// <summary>
/// One `ledgerx bench`: bring up (or reach) the service, then for each mode and client count open fresh accounts, run
/// the load with a live display, and bracket the measurement window with resource samples; finally verify the whole
/// ledger and report. Every run is bounded by its warmup + duration; setup and verify have their own timeouts.
/// </summary>
internal static class BenchRunner
{
    /// <summary>One request's upper bound: far above any healthy latency, low enough that a wedged service ends the run.</summary>
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);

    public static async Task<int> RunAsync(IAnsiConsole console, BenchSettings settings, CancellationToken ct)
    {
        var startedAt = DateTimeOffset.UtcNow;
        BenchEnvironment? environment = null;
        try
        {
            // Before anything starts: a missing pgbench is a setup error, not something found after minutes of setup.
            var pgbench = settings.Baseline
                ? PgBenchBaseline.FindPgBench() ?? throw new BenchSetupException(
                    "--baseline needs pgbench (/usr/lib/postgresql/*/bin/pgbench, from Debian's postgresql package); none was found.")
                : null;
            if (settings.Url is null)
            {
                environment = await BenchEnvironment.StartAsync(console, settings.ServiceSettings, settings.ServiceDll,
                    settings.PostgresSettings ?? new Dictionary<string, string>(), ct, settings.Sidecar);
            }
            // The raw-SQL runs come first, on the same server, before the ledger's own data exists (the order the ratios
            // were defined in: issue 19), and in a database that is dropped before the ledger starts.
            var baseline = pgbench is not null && environment is not null
                ? await PgBenchBaseline.RunAsync(console, pgbench, BenchEnvironment.FindPsql(), "127.0.0.1", environment.PostgresPort, settings, environment.WorkDirectory, ct)
                : null;
            var baseUrl = settings.Url ?? environment!.BaseUrl;
            using var handler = new SocketsHttpHandler
            {
                // One connection per client, so no client ever waits for another's connection (HTTP/1.1).
                MaxConnectionsPerServer = settings.Clients.Max() + 8,
                PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
                PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
                ConnectTimeout = TimeSpan.FromSeconds(10),
                UseProxy = false,
                UseCookies = false,
                AllowAutoRedirect = false,
            };
            using var http = new HttpClient(handler, disposeHandler: false) { Timeout = RequestTimeout };
            var token = settings.Token ?? environment?.Token ?? throw new BenchSetupException(
                "Opening the bench's accounts needs an access token with ledger:write: pass --token \"$(./ledgerx token)\" or set LEDGERX_TOKEN.");
            var api = new LedgerApiClient(http, baseUrl, token);
            if (!await api.IsHealthyAsync(ct))
            {
                console.MarkupLine($"[red bold]UNREACHABLE[/] {Markup.Escape(ServiceUrls.Api(baseUrl, "healthz").ToString())} did not answer 2xx");
                return ExitCodes.Unreachable;
            }
            console.MarkupLine($"[grey]target {Markup.Escape(baseUrl.ToString())}; {Markup.Escape(BenchReport.DescribeMachine())}[/]");

            var runId = startedAt.ToString("yyyyMMddHHmmss", System.Globalization.CultureInfo.InvariantCulture);
            var runs = new List<RunResult>();
            foreach (var mode in settings.Modes)
            {
                foreach (var clients in settings.Clients)
                {
                    var outbox = environment is { HasSidecar: true }
                        ? new OutboxLagSampler(BenchEnvironment.FindPsql(), environment.PostgresPort, BenchEnvironment.DatabaseName)
                        : null;
                    runs.Add(await RunOneAsync(console, api, settings, mode, clients, $"{runId}-{clients}", environment?.PostmasterPid, outbox, ct));
                }
            }

            console.MarkupLine("[grey]verifying the whole ledger (replays every event)…[/]");
            using var verifyHttp = new HttpClient(handler, disposeHandler: false) { Timeout = Commands.VerifyCommand.Timeout };
            // The same token: the bench's own grants ledger:verify (BenchIssuer); without one the service answers 401.
            verifyHttp.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
            var verified = await VerifyClient.VerifyAsync(verifyHttp, baseUrl, ct);

            var report = new BenchReport(startedAt, BenchReport.DescribeMachine(), baseUrl.ToString(),
                environment?.ServiceSettings ?? new Dictionary<string, string>(), environment?.PostgresSettings ?? new Dictionary<string, string>(),
                BenchSettingsView.From(settings), runs, (verified as VerifyOutcome.Answered)?.Report, (verified as VerifyOutcome.Unreachable)?.Reason)
            {
                Baseline = baseline is null ? null : BaselineComparison.Pair(runs, baseline),
            };
            report.Render(console);
            var exitCode = VerifyReportView.Render(console, verified);
            if (settings.JsonPath is { } path)
            {
                await report.WriteJsonAsync(path, ct);
                console.MarkupLine($"[grey]wrote {Markup.Escape(path)}[/]");
            }
            return exitCode;
        }
        catch (BenchSetupException ex)
        {
            console.MarkupLine($"[red bold]bench setup failed:[/] {Markup.Escape(ex.Message)}");
            return ExitCodes.SetupFailed;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            console.MarkupLine("[yellow]cancelled[/]");
            return ExitCodes.Cancelled;
        }
        finally
        {
            if (environment is not null)
            {
                console.MarkupLine("[grey]stopping transaction-service and PostgreSQL[/]");
                await environment.DisposeAsync();
            }
        }
    }

    private static async Task<RunResult> RunOneAsync(IAnsiConsole console, LedgerApiClient api, BenchSettings settings, BenchMode mode, int clients,
        string runId, int? postmasterPid, OutboxLagSampler? outbox, CancellationToken ct)
    {
        var title = settings.Rate is { } rate
            ? $"{Workload.Name(mode)} at {rate:N0}/s offered (≤ {clients} in flight)"
            : $"{Workload.Name(mode)} × {clients} clients";
        console.MarkupLine($"[bold]{Markup.Escape(title)}[/]: opening {settings.Accounts:N0} accounts{(mode == BenchMode.Hot ? " + 1 hot source" : "")}…");
        var workload = await Workload.SetUpAsync(api, mode, settings.Accounts, settings.Amount, settings.Warmup + settings.Duration, runId, ct);

        var generator = new LoadGenerator(api, workload, clients, settings.Warmup, settings.Duration, settings.Amount, settings.Rate);
        // The service's counters are read when the measurement window opens and when it closes, so the writer's
        // statistics describe exactly the window the throughput is measured over.
        var before = SampleAfterAsync(api, settings.Warmup, postmasterPid, ct);
        var after = SampleAfterAsync(api, settings.Warmup + settings.Duration, postmasterPid, ct);
        // With a sidecar the outbox is watched from the run's start until it is empty again after the window.
        var lag = outbox?.RunAsync(System.Diagnostics.Stopwatch.GetTimestamp(), settings.Warmup + settings.Duration, ct);
        var result = await ProgressDisplay.ShowWhileAsync(console, title, generator, generator.RunAsync(ct));
        result = result with { Writer = WriterStats.Between(await before, await after) };
        if (lag is not null)
        {
            console.MarkupLine("  [grey]waiting for the outbox to drain…[/]");
            result = result with { Outbox = await lag };
            console.MarkupLine($"  outbox: max {result.Outbox.MaxDepth:N0} unpublished, oldest {result.Outbox.MaxAgeMs:N0} ms; at the window's end " +
                               $"{result.Outbox.DepthAtEnd:N0} ({result.Outbox.AgeAtEndMs:N0} ms); drained " +
                               (result.Outbox.DrainSeconds is { } drain ? $"{drain:0.0} s after it" : $"[red]not within {OutboxLagSampler.DrainLimit.TotalSeconds:0} s[/]"));
        }

        console.MarkupLine($"  → [bold]{result.AppliedPerSecond:N0} applied/s[/], p50 {result.Latency.P50Ms:0.0} ms, p99 {result.Latency.P99Ms:0.0} ms, " +
                           $"refused {result.Refused:N0}, other {result.OtherStatus + result.TransportErrors:N0}" +
                           (result.Saturated is { } saturated ? $", saturated {saturated:N0}" : "") +
                           (result.Unsent is > 0 ? $", [red]unsent {result.Unsent:N0} (overloaded: percentiles are a lower bound)[/]" : ""));
        return result;
    }

    private static async Task<ResourceSample> SampleAfterAsync(LedgerApiClient api, TimeSpan delay, int? postmasterPid, CancellationToken ct)
    {
        await Task.Delay(delay, ct);
        return await ResourceSampler.SampleAsync(api, postmasterPid, ct);
    }
}
