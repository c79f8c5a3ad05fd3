using LedgerX.Cli.Common;
using Spectre.Console;

namespace LedgerX.Cli.Verify;

/// <summary>Renders a verification outcome for people and maps it to the exit code scripts act on.</summary>
internal static class VerifyReportView
{
    public static int Render(IAnsiConsole console, VerifyOutcome outcome)
    {
        switch (outcome)
        {
            case VerifyOutcome.Answered { Report.Ok: true } answered:
                var ok = answered.Report;
                console.MarkupLine(
                    $"[green bold]OK[/] ledger consistent: {ok.EventsChecked:N0} events, {ok.AccountsChecked:N0} accounts, {ok.EntriesChecked:N0} entries, " +
                    $"{ok.PostingsChecked:N0} postings and {ok.HoldsChecked:N0} holds checked, last sequence {ok.LastSequence:N0} " +
                    $"({answered.Took.TotalSeconds:0.0} s)");
                return ExitCodes.Ok;

            case VerifyOutcome.Answered answered:
                RenderDiscrepancy(console, answered.Report);
                return ExitCodes.Discrepancy;

            case VerifyOutcome.Unreachable unreachable:
                console.MarkupLine($"[red bold]UNREACHABLE[/] no verify report from {Markup.Escape(unreachable.Url.ToString())}");
                console.MarkupLine($"  {Markup.Escape(unreachable.Reason)}");
                return ExitCodes.Unreachable;

            default:
                throw new InvalidOperationException($"Unknown verify outcome {outcome.GetType().Name}.");
        }
    }

    private static void RenderDiscrepancy(IAnsiConsole console, VerifyReport report)
    {
        var listed = report.Discrepancies ?? (report.FirstDiscrepancy is { } only ? [only] : []);
        var count = Math.Max(report.DiscrepancyCount, listed.Count);
        console.MarkupLine(
            $"[red bold]DISCREPANCY[/] ledger inconsistent: {count:N0} {(count == 1 ? "discrepancy" : "discrepancies")} after {report.EventsChecked:N0} events " +
            $"(last sequence {report.LastSequence:N0}, {report.AccountsChecked:N0} accounts, {report.EntriesChecked:N0} entries, " +
            $"{report.PostingsChecked:N0} postings, {report.HoldsChecked:N0} holds checked)");
        // A report that says "not ok" without saying why is itself worth showing as such.
        var first = report.FirstDiscrepancy;
        var table = new Table().Border(TableBorder.Rounded).BorderColor(Color.Red).AddColumn("field").AddColumn("value");
        table.AddRow("kind", Markup.Escape(first?.Kind ?? "(not given)"));
        table.AddRow("message", Markup.Escape(first?.Message ?? "(not given)"));
        table.AddRow("where", Markup.Escape(Where(first)));
        table.AddRow("sequence", first?.Sequence?.ToString("N0") ?? "-");
        table.AddRow("accountId", first?.AccountId?.ToString() ?? "-");
        table.AddRow("expected", Markup.Escape(first?.Expected ?? "-"));
        table.AddRow("actual", Markup.Escape(first?.Actual ?? "-"));
        console.Write(table);
        if (listed.Count <= 1)
        {
            return;
        }
        // The rest, one line each: a person fixing rows needs the table, column and row of every one.
        var all = new Table().Border(TableBorder.Rounded).AddColumn("kind").AddColumn("where").AddColumn("expected (log)").AddColumn("actual (table)");
        foreach (var d in listed)
        {
            all.AddRow(Markup.Escape(d.Kind), Markup.Escape(Where(d)), Markup.Escape(d.Expected ?? "-"), Markup.Escape(d.Actual ?? "-"));
        }
        console.Write(all);
        if (count > listed.Count)
        {
            console.MarkupLine($"… and {count - listed.Count:N0} more not listed; fix these and run verify again.");
        }
    }

    /// <summary>"table.column row", as far as the discrepancy says.</summary>
    private static string Where(Discrepancy? d) => d?.Table is null
        ? "-"
        : $"{d.Table}{(d.Column is null ? "" : "." + d.Column)}{(d.Row is null ? "" : " " + d.Row)}";
}
