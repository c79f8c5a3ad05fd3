using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using LedgerX.Cli.Verify;
using Spectre.Console;

namespace LedgerX.Cli.Bench;

/// <summary>Everything one `ledgerx bench` produced, as printed and as written with --json.</summary>
internal sealed record BenchReport(
    DateTimeOffset StartedAt,
    string Machine,
    string Target,
    IReadOnlyDictionary<string, string> ServiceSettings,
    IReadOnlyDictionary<string, string> Postgres,
    BenchSettingsView Settings,
    IReadOnlyList<RunResult> Runs,
    VerifyReport? Verify,
    string? VerifyError)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>With --baseline: each run beside the raw-SQL transfer of the same mode, clients and duration (pgbench).</summary>
    public IReadOnlyList<BaselineComparison>? Baseline { get; init; }

    public void Render(IAnsiConsole console)
    {
        if (Postgres.Count > 0)
        {
            console.MarkupLine($"[grey]PostgreSQL: {Markup.Escape(string.Join(", ", Postgres.Select(p => $"{p.Key}={p.Value}")))}[/]");
        }
        if (ServiceSettings.Count > 0)
        {
            console.MarkupLine($"[grey]service settings: {Markup.Escape(string.Join(", ", ServiceSettings.Select(s => $"{s.Key}={s.Value}")))}[/]");
        }
        // Open-loop runs add the offered rate and the arrivals that waited for a client slot; their latencies run from
        // each arrival's scheduled time.
        var openLoop = Runs.Any(r => r.OfferedPerSecond is not null);
        var table = new Table().Border(TableBorder.Rounded)
            .Title(openLoop ? "[bold]transfers through the HTTP API (open loop: latency from each arrival's scheduled time)[/]" : "[bold]transfers through the HTTP API[/]")
            .AddColumns(openLoop ? ["mode", "max in flight", "offered/s"] : ["mode", "clients"])
            .AddColumns("applied/s", "p50 ms", "p95 ms", "p99 ms", "max ms", "201", "422 refused", "other");
        if (openLoop)
        {
            table.AddColumns("saturated", "unsent");
        }
        foreach (var run in Runs)
        {
            var other = run.OtherStatus + run.TransportErrors;
            var cells = new List<string> { Workload.Name(run.Mode), N(run.Clients) };
            if (openLoop)
            {
                cells.Add(Opt(run.OfferedPerSecond, "N0"));
            }
            cells.AddRange([$"[bold]{run.AppliedPerSecond:N0}[/]", Ms(run.Latency.P50Ms), Ms(run.Latency.P95Ms),
                Ms(run.Latency.P99Ms), Ms(run.Latency.MaxMs), N(run.Applied), N(run.Refused), other == 0 ? "0" : $"[red]{other:N0}[/]"]);
            if (openLoop)
            {
                cells.Add(run.Saturated is { } saturated ? N(saturated) : "-");
                cells.Add(run.Unsent is { } unsent ? (unsent == 0 ? "0" : $"[red]{unsent:N0}[/]") : "-");
            }
            table.AddRow(cells.ToArray());
        }
        foreach (var column in table.Columns.Skip(1))
        {
            column.RightAligned();
        }
        console.Write(table);

        var writer = new Table().Border(TableBorder.Simple).Title($"where the time went during each window (CPU in cores of {Environment.ProcessorCount}; service /metrics, /proc)")
            .AddColumns("mode", "clients", "batch/s", "cmd/batch", "ms/batch", "writer busy", "svc CPU", "pg CPU", "bench CPU", "others CPU",
                "exc/s", "pub fail/s");
        foreach (var run in Runs.Where(r => r.Writer is not null))
        {
            var w = run.Writer!;
            writer.AddRow(Workload.Name(run.Mode), N(run.Clients), Opt(w.Batches / run.Window.TotalSeconds, "N0"), Opt(w.MeanBatchSize, "0.0"),
                Opt(w.MeanBatchMs, "0.00"), Pct(w.WriterBusyFraction), Cores(w.ServiceCpuCores), Cores(w.PostgresCpuCores), Cores(w.ClientCpuCores),
                Cores(w.OthersCpuCores), Opt(w.ExceptionsPerSecond, "N0"), Opt(w.PublishFailuresPerSecond, "N0"));
        }
        if (writer.Rows.Count > 0)
        {
            console.Write(writer);
        }
        if (Runs.Any(r => r.Outbox is not null))
        {
            var outbox = new Table().Border(TableBorder.Simple).Title("outbox through the sidecar (sampled every second from each run's start)")
                .AddColumns("mode", "clients", "samples", "max unpublished", "max oldest ms", "at end", "oldest at end ms", "drained after s");
            foreach (var run in Runs.Where(r => r.Outbox is not null))
            {
                var o = run.Outbox!;
                outbox.AddRow(Workload.Name(run.Mode), N(run.Clients), N(o.Samples), N(o.MaxDepth), Opt(o.MaxAgeMs, "N0"), N(o.DepthAtEnd), Opt(o.AgeAtEndMs, "N0"),
                    o.DrainSeconds is { } drain ? drain.ToString("0.0", CultureInfo.InvariantCulture) : "[red]not drained[/]");
            }
            console.Write(outbox);
        }
        if (Baseline is { Count: > 0 } baseline)
        {
            console.Write(BaselineTable(baseline));
        }
        foreach (var run in Runs.Where(r => r.ErrorSamples.Count > 0 || r.OtherStatusCodes.Count > 0))
        {
            console.MarkupLine($"[red]{Workload.Name(run.Mode)} × {run.Clients}[/]: statuses {Markup.Escape(string.Join(", ", run.OtherStatusCodes.Select(s => $"{s.Key}×{s.Value}")))}, " +
                               $"transport errors {run.TransportErrors}; e.g. {Markup.Escape(string.Join(" | ", run.ErrorSamples))}");
        }
        foreach (var run in Runs.Where(r => r.Latency.Dropped > 0))
        {
            console.MarkupLine($"[yellow]{Workload.Name(run.Mode)} × {run.Clients}: {run.Latency.Dropped:N0} latencies beyond the sample buffer were not kept[/]");
        }
    }

    /// <summary>The ratio table: ledger ÷ raw SQL per run; ≥ 1.0× means the ledger (HTTP, event log, hash chain, outbox)
    /// moves more transfers per second than PostgreSQL does with one plain transaction per transfer.</summary>
    public static Table BaselineTable(IReadOnlyList<BaselineComparison> baseline)
    {
        var table = new Table().Border(TableBorder.Rounded)
            .Title("[bold]ledger vs raw SQL (pgbench: the same transfer, same PostgreSQL, same run)[/]")
            .AddColumns("mode", "clients", "ledger applied/s", "raw SQL tps", "ratio");
        foreach (var pair in baseline)
        {
            var ratio = pair.Ratio.ToString("0.00", CultureInfo.InvariantCulture) + "×";
            table.AddRow(Workload.Name(pair.Mode), N(pair.Clients), pair.LedgerPerSecond.ToString("N0", CultureInfo.InvariantCulture),
                pair.RawSqlPerSecond.ToString("N0", CultureInfo.InvariantCulture), pair.Ratio >= 1 ? $"[green bold]{ratio}[/]" : $"[bold]{ratio}[/]");
        }
        foreach (var column in table.Columns.Skip(1))
        {
            column.RightAligned();
        }
        return table;
    }

    public async Task WriteJsonAsync(string path, CancellationToken ct)
    {
        await using var file = File.Create(path);
        await JsonSerializer.SerializeAsync(file, this, Json, ct);
    }

    public static string DescribeMachine()
    {
        var model = TryRead("/proc/cpuinfo")?.Split('\n').FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim();
        var memory = TryRead("/proc/meminfo")?.Split('\n').FirstOrDefault(l => l.StartsWith("MemTotal", StringComparison.Ordinal))?.Split(':', 2)[1].Trim();
        return $"{Environment.ProcessorCount} CPUs ({model ?? "unknown model"}), memory {memory ?? "unknown"}, {Environment.OSVersion}, .NET {Environment.Version}";
    }

    private static string? TryRead(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string Ms(double value) => value.ToString(value < 10 ? "0.00" : "0.0", CultureInfo.InvariantCulture);

    private static string Opt(double? value, string format) => value?.ToString(format, CultureInfo.InvariantCulture) ?? "-";

    private static string Pct(double? fraction) => fraction is { } f ? $"{f * 100:0}%" : "-";

    private static string Cores(double? cores) => cores is { } c ? $"{c:0.00}" : "-";
}

/// <summary>The settings as reported (durations in seconds, so the JSON is easy to read in scripts).</summary>
internal sealed record BenchSettingsView(string Modes, int Accounts, IReadOnlyList<int> Clients, double DurationSeconds, double WarmupSeconds, long Amount,
    int? Rate = null, bool Sidecar = false)
{
    public static BenchSettingsView From(BenchSettings settings) => new(string.Join(",", settings.Modes.Select(Workload.Name)), settings.Accounts,
        settings.Clients, settings.Duration.TotalSeconds, settings.Warmup.TotalSeconds, settings.Amount, settings.Rate, settings.Sidecar);
}
