using System.CommandLine;
using LedgerX.Cli.Chaos;
using LedgerX.Cli.Chaos.Load;
using LedgerX.Cli.Common;
using Spectre.Console;

namespace LedgerX.Cli.Commands;

/// <summary>`ledgerx chaos`: starts its own whole system, puts load on it through the gateway, injects each fault in
/// turn and checks the invariants after each (docs/chaos.md). Exit 0 when every scenario passed, 1 when an invariant or
/// an availability criterion failed, 3 when the system could not be started.</summary>
internal static class ChaosCommand
{
    public static Command Create()
    {
        var scenario = new Option<string[]>("--scenario")
        {
            Description = "Run only these scenarios (repeatable), e.g. --scenario kill-fraud-service --scenario postgres-stall. Default: all, see docs/chaos.md.",
            AllowMultipleArgumentsPerToken = true,
        };
        var json = new Option<string?>("--report") { Description = "Also write the report as JSON to this file." };
        var markdown = new Option<string?>("--markdown") { Description = "Also write the report as Markdown to this file." };
        var command = new Command("chaos", "Inject faults (killed services and sidecars, PostgreSQL restart and stall, Redis restart, poison messages) " +
                                           "into a private system under load; check availability and the ledger's invariants after each.")
        {
            scenario, json, markdown,
        };
        command.SetAction(async (parse, ct) =>
        {
            var console = AnsiConsole.Console;
            var root = ChaosSession.FindRepositoryRoot();
            if (root is null)
            {
                console.MarkupLine("[red]error:[/] run from a checkout of LedgerX (dapr.yaml and tools/devenv/devenv.sh not found)");
                return ExitCodes.SetupFailed;
            }

            IReadOnlyList<Chaos.Faults.ChaosFault> faults;
            try
            {
                faults = Scenarios.Select(parse.GetValue(scenario) ?? [], TimeProvider.System);
            }
            catch (ArgumentException ex)
            {
                console.MarkupLine($"[red]error:[/] {Markup.Escape(ex.Message)}");
                return ExitCodes.SetupFailed;
            }

            ChaosReport result;
            try
            {
                result = await ChaosSession.RunAsync(root, faults, ChaosLoadSettings.Full, ChaosTimings.Default, Console.Out, ct,
                    report => WriteAsync(report, parse.GetValue(json), parse.GetValue(markdown), ct));
            }
            catch (InvalidOperationException ex)
            {
                console.MarkupLine($"[red]error:[/] {Markup.Escape(ex.Message)}");
                return ExitCodes.SetupFailed;
            }

            result.Render(console);
            await WriteAsync(result, parse.GetValue(json), parse.GetValue(markdown), ct);
            return result.Passed ? ExitCodes.Ok : ExitCodes.Discrepancy;
        });
        return command;
    }

    /// <summary>The report files, rewritten after every scenario and at the end.</summary>
    private static async Task WriteAsync(ChaosReport report, string? json, string? markdown, CancellationToken ct)
    {
        if (json is not null)
        {
            await File.WriteAllTextAsync(json, report.ToJson(), ct);
        }

        if (markdown is not null)
        {
            await File.WriteAllTextAsync(markdown, report.ToMarkdown(), ct);
        }
    }
}
