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
                    $"[green bold]OK[/] ledger consistent: {ok.EventsChecked:N0} events and {ok.AccountsChecked:N0} accounts checked, " +
                    $"last sequence {ok.LastSequence:N0} ({answered.Took.TotalSeconds:0.0} s)");
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
        console.MarkupLine(
            $"[red bold]DISCREPANCY[/] ledger inconsistent after {report.EventsChecked:N0} events " +
            $"(last sequence {report.LastSequence:N0}, {report.AccountsChecked:N0} accounts checked)");
        // A report that says "not ok" without saying why is itself worth showing as such.
        var first = report.FirstDiscrepancy;
        var table = new Table().Border(TableBorder.Rounded).BorderColor(Color.Red).AddColumn("field").AddColumn("value");
        table.AddRow("kind", Markup.Escape(first?.Kind ?? "(not given)"));
        table.AddRow("message", Markup.Escape(first?.Message ?? "(not given)"));
        table.AddRow("sequence", first?.Sequence?.ToString("N0") ?? "-");
        table.AddRow("accountId", first?.AccountId?.ToString() ?? "-");
        table.AddRow("expected", Markup.Escape(first?.Expected ?? "-"));
        table.AddRow("actual", Markup.Escape(first?.Actual ?? "-"));
        console.Write(table);
    }
}
