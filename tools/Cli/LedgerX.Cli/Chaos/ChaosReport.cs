using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Spectre.Console;

namespace LedgerX.Cli.Chaos;

/// <summary>A chaos run's results: per scenario the fault, availability, recovery time and each invariant's verdict.</summary>
internal sealed record ChaosReport(DateTimeOffset StartedAt, double? LoadAverage, IReadOnlyList<ScenarioResult> Scenarios)
{
    public bool Passed => Scenarios.All(s => s.Passed);

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public string ToMarkdown()
    {
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"# Chaos run {StartedAt:u}");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Load average (1 min) at the start: {LoadAverage?.ToString("F2", CultureInfo.InvariantCulture) ?? "n/a"}. Verdict: **{(Passed ? "passed" : "FAILED")}**.");
        foreach (var s in Scenarios)
        {
            md.AppendLine();
            md.AppendLine(CultureInfo.InvariantCulture, $"## {s.Scenario}: {(s.Passed ? "passed" : "FAILED")}");
            md.AppendLine();
            md.AppendLine(CultureInfo.InvariantCulture, $"{s.Fault}. Down: {(s.Down.Count == 0 ? "shared infrastructure" : string.Join(", ", s.Down))}. Recovery: {Seconds(s.RecoveryMs)}.");
            if (s.Error is not null)
            {
                md.AppendLine(CultureInfo.InvariantCulture, $"\nError: {s.Error}");
            }

            md.AppendLine();
            md.AppendLine("| route | needs the down service | requests | succeeded | failures | failure p95 | recovered after |");
            md.AppendLine("|---|---|---:|---:|---|---:|---:|");
            foreach (var r in s.Availability)
            {
                md.AppendLine(CultureInfo.InvariantCulture,
                    $"| {r.Route} | {(r.NeedsDownService ? "yes" : "no")} | {r.Requests} | {r.SuccessRatio:P2} | {Failures(r)} | {Ms(r.FailureP95Ms)} | {Seconds(r.RecoveredAfterMs)} |");
            }

            if (s.LeftOut.Count > 0)
            {
                md.AppendLine(CultureInfo.InvariantCulture, $"\nLeft out (not 2xx throughout the steady phase): {string.Join("; ", s.LeftOut)}.");
            }

            foreach (var v in s.AvailabilityViolations)
            {
                md.AppendLine(CultureInfo.InvariantCulture, $"\n- availability: {v}");
            }

            md.AppendLine();
            md.AppendLine("| invariant | verdict | found |");
            md.AppendLine("|---|---|---|");
            foreach (var i in s.Invariants)
            {
                md.AppendLine(CultureInfo.InvariantCulture, $"| {i.Invariant} | {(i.Holds ? "holds" : "**broken**")} | {i.Found.Replace("|", "\\|", StringComparison.Ordinal)} |");
            }
        }

        return md.ToString();
    }

    public void Render(IAnsiConsole console)
    {
        foreach (var s in Scenarios)
        {
            console.MarkupLine($"[bold]{Markup.Escape(s.Scenario)}[/]: {(s.Passed ? "[green]passed[/]" : "[red]FAILED[/]")} — {Markup.Escape(s.Fault)}; recovery {Seconds(s.RecoveryMs)}");
            if (s.Error is not null)
            {
                console.MarkupLine($"  [red]error:[/] {Markup.Escape(s.Error)}");
            }

            var table = new Table().AddColumns("route", "needs down", "requests", "succeeded", "failures", "fail p95", "recovered");
            foreach (var r in s.Availability)
            {
                table.AddRow(r.Route, r.NeedsDownService ? "yes" : "no", r.Requests.ToString(CultureInfo.InvariantCulture),
                    r.SuccessRatio.ToString("P2", CultureInfo.InvariantCulture), Markup.Escape(Failures(r)), Ms(r.FailureP95Ms), Seconds(r.RecoveredAfterMs));
            }

            console.Write(table);
            if (s.LeftOut.Count > 0)
            {
                console.MarkupLine($"  [yellow]left out[/] (not 2xx throughout the steady phase): {Markup.Escape(string.Join("; ", s.LeftOut))}");
            }

            foreach (var v in s.AvailabilityViolations)
            {
                console.MarkupLine($"  [red]availability:[/] {Markup.Escape(v)}");
            }

            foreach (var i in s.Invariants)
            {
                console.MarkupLine($"  {(i.Holds ? "[green]holds[/] " : "[red]BROKEN[/]")} {Markup.Escape(i.Invariant)}: {Markup.Escape(i.Found)}");
            }
        }

        console.MarkupLine(Passed ? "[green]chaos: every scenario passed[/]" : "[red]chaos: at least one scenario failed[/]");
    }

    private static string Failures(RouteAvailability r) =>
        r.Failures.Count == 0 ? "-" : string.Join(", ", r.Failures.Select(f => $"{f.Value}× {f.Key}"));

    private static string Ms(double? ms) => ms is { } v ? v.ToString("F0", CultureInfo.InvariantCulture) + " ms" : "-";

    private static string Seconds(double? ms) => ms is { } v ? (v / 1000).ToString("F1", CultureInfo.InvariantCulture) + " s" : "never";
}
