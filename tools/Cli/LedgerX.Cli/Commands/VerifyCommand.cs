using System.CommandLine;
using LedgerX.Cli.Auth;
using LedgerX.Cli.Common;
using LedgerX.Cli.Verify;
using Spectre.Console;

namespace LedgerX.Cli.Commands;

/// <summary>`ledgerx verify`: asks the ledger to recompute every balance from its event log and check the hash chain.
/// Exit code 0 consistent, 1 discrepancy, 2 unreachable (or refused: verification needs a token granting ledger:verify,
/// <see cref="CallerToken"/>).</summary>
internal static class VerifyCommand
{
    /// <summary>Verification replays the whole log; on a large ledger that takes minutes, not the usual 100 s.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromMinutes(10);

    public static Command Create()
    {
        var url = new Option<string?>("--url")
        {
            Description = $"Base URL of transaction-service. Default: ${ServiceUrls.TransactionsUrlVariable}, else Dapr service invocation " +
                          $"when ${ServiceUrls.DaprHttpPortVariable} is set, else {ServiceUrls.Fallback}.",
        };
        var command = new Command("verify", "Verify the ledger: replay the event log, check the hash chain, report the first discrepancy.") { url };
        command.SetAction((parse, ct) => RunAsync(AnsiConsole.Console, parse.GetValue(url), Environment.GetEnvironmentVariable, ct));
        return command;
    }

    public static async Task<int> RunAsync(IAnsiConsole console, string? explicitUrl, Func<string, string?> environment, CancellationToken ct)
    {
        Uri baseUrl;
        try
        {
            baseUrl = ServiceUrls.Resolve(explicitUrl, environment);
        }
        catch (ArgumentException ex)
        {
            console.MarkupLine($"[red]error:[/] {Markup.Escape(ex.Message)}");
            return ExitCodes.Unreachable;
        }
        using var http = new HttpClient { Timeout = Timeout };
        if (await CallerToken.FindAsync(console, environment, ct) is { } token)
        {
            http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        }
        console.MarkupLine($"[grey]verifying {Markup.Escape(ServiceUrls.Api(baseUrl, VerifyClient.Path).ToString())}[/]");
        return VerifyReportView.Render(console, await VerifyClient.VerifyAsync(http, baseUrl, ct));
    }
}
