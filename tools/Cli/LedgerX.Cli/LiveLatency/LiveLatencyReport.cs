using System.Globalization;
using System.Text.Json;
using LedgerX.Cli.Bench;
using Spectre.Console;

namespace LedgerX.Cli.LiveLatency;

/// <summary>Everything one `ledgerx live-latency` run produced, as printed and as written with --json.</summary>
internal sealed record LiveLatencyReport(
    DateTimeOffset StartedAt,
    int Cores,
    double? LoadAverageBefore,
    double? LoadAverageAfter,
    string Gateway,
    double Rate,
    double DurationSeconds,
    double FrameTimeoutSeconds,
    LiveLatencyResult Result,
    string? FeedClosed)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>Why the run failed, one line each; empty when it passed.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (Result.Lost > 0)
        {
            problems.Add($"{Result.Lost} of {Result.Applied} committed transfers never reached the WebSocket within {FrameTimeoutSeconds:0} s");
        }
        foreach (var (what, count) in Result.Failures.OrderByDescending(f => f.Value))
        {
            problems.Add($"{count} transfers failed: {what}");
        }
        if (FeedClosed is not null)
        {
            problems.Add(FeedClosed);
        }
        return problems;
    }

    public void Render(IAnsiConsole console)
    {
        var table = new Table().Border(TableBorder.Rounded)
            .Title($"[bold]ledger commit → WebSocket frame, through {Markup.Escape(Gateway)}[/]")
            .AddColumns("measured", "samples", "p50 ms", "p95 ms", "p99 ms", "max ms", "mean ms");
        Row(table, "201 → live frame", Result.CommitToFrame);
        Row(table, "baseline: transfer round trip", Result.RoundTrip);
        console.Write(table);
        console.MarkupLine(Markup.Escape(Counts()));
        console.MarkupLine($"[grey]{Markup.Escape(Machine())}[/]");
        var problems = Problems();
        foreach (var problem in problems)
        {
            console.MarkupLine($"[red]FAIL:[/] {Markup.Escape(problem)}");
        }
        if (problems.Count == 0)
        {
            console.MarkupLine("[green]every committed transfer reached the WebSocket[/]");
        }
    }

    /// <summary>The counts line under the table.</summary>
    public string Counts() => string.Create(CultureInfo.InvariantCulture,
        $"transfers: {Result.Attempted} sent, {Result.Applied} committed (201), {Result.Failed} failed; frames matched {Result.Matched}, " +
        $"lost {Result.Lost}, before their 201 {Result.FramesBeforeAcknowledgement}; frames about the transfers {Result.FramesForTransfers}, " +
        $"about other entries {Result.UnmatchedFrames}");

    public string Machine() => string.Create(CultureInfo.InvariantCulture,
        $"{Cores} cores, load average {LoadAverageBefore?.ToString("0.00", CultureInfo.InvariantCulture) ?? "?"} before, " +
        $"{LoadAverageAfter?.ToString("0.00", CultureInfo.InvariantCulture) ?? "?"} after; {Rate:0.##} transfers/s for {DurationSeconds:0.#} s");

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    private static void Row(Table table, string name, LatencySummary s) => table.AddRow(
        name, s.Count.ToString(CultureInfo.InvariantCulture), F(s.P50Ms), F(s.P95Ms), F(s.P99Ms), F(s.MaxMs), F(s.MeanMs));

    private static string F(double ms) => ms.ToString("0.0", CultureInfo.InvariantCulture);
}
