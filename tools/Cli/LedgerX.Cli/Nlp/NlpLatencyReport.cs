using System.Globalization;
using System.Text.Json;
using LedgerX.Cli.Bench;
using Spectre.Console;

namespace LedgerX.Cli.Nlp;

/// <summary>Everything one `ledgerx nlp-latency` run produced, as printed and as written with --json.</summary>
internal sealed record NlpLatencyReport(
    DateTimeOffset StartedAt,
    int Cores,
    double? LoadAverageBefore,
    double? LoadAverageAfter,
    string Gateway,
    int Customers,
    double Rate,
    int Asked,
    int Accepted,
    int Completed,
    double AnswerTimeoutSeconds,
    LatencySummary AskToAnswer,
    LatencySummary Accept,
    LatencySummary TransferRoundTrip,
    int TransfersFailed,
    IReadOnlyDictionary<string, int> Statuses,
    IReadOnlyDictionary<string, int> Failures)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>Why the run failed, one line each; empty when it passed.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (Accepted < Asked)
        {
            problems.Add($"{Asked - Accepted} of {Asked} questions were not accepted: " +
                string.Join(", ", Failures.Select(f => $"{f.Value} × {f.Key}")));
        }
        if (Completed < Accepted)
        {
            problems.Add($"{Accepted - Completed} of {Accepted} accepted questions had no completed answer on the live feed within {AnswerTimeoutSeconds:0} s");
        }
        if (TransfersFailed > 0)
        {
            problems.Add($"{TransfersFailed} baseline transfers failed");
        }
        return problems;
    }

    public void Render(IAnsiConsole console)
    {
        var table = new Table().Border(TableBorder.Rounded)
            .Title($"[bold]ask → answered, through {Markup.Escape(Gateway)}[/]")
            .AddColumns("measured", "samples", "p50 ms", "p95 ms", "p99 ms", "max ms", "mean ms");
        Row(table, "POST → nlp.answer_completed frame", AskToAnswer);
        Row(table, "POST /questions → 202", Accept);
        Row(table, "baseline: transfer round trip", TransferRoundTrip);
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
            console.MarkupLine("[green]every question was accepted and its answer completed on the live feed[/]");
        }
    }

    public string Counts() =>
        FormattableString.Invariant($"questions: {Asked} asked by {Customers} customer(s), {Accepted} accepted (202), {Completed} completed (") +
        string.Join(", ", Statuses.Select(s => FormattableString.Invariant($"{s.Value} {s.Key}"))) +
        FormattableString.Invariant($"); transfers failed {TransfersFailed}");

    public string Machine() => string.Create(CultureInfo.InvariantCulture,
        $"{Cores} cores, load average {LoadAverageBefore?.ToString("0.00", CultureInfo.InvariantCulture) ?? "?"} before, " +
        $"{LoadAverageAfter?.ToString("0.00", CultureInfo.InvariantCulture) ?? "?"} after; {Rate:0.##} questions/s");

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    private static void Row(Table table, string name, LatencySummary s) => table.AddRow(
        name, s.Count.ToString(CultureInfo.InvariantCulture), F(s.P50Ms), F(s.P95Ms), F(s.P99Ms), F(s.MaxMs), F(s.MeanMs));

    private static string F(double ms) => ms.ToString("0.0", CultureInfo.InvariantCulture);
}
