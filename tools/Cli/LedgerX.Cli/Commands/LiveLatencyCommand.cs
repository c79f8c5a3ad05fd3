using System.CommandLine;
using System.Globalization;
using LedgerX.Cli.Auth;
using LedgerX.Cli.Common;
using LedgerX.Cli.LiveLatency;
using Spectre.Console;

namespace LedgerX.Cli.Commands;

/// <summary>`ledgerx live-latency`: against a running system, how long a committed transfer takes to reach its
/// owner's WebSocket through the gateway, beside the transfer's own round trip measured in the same run. Exit 0 when
/// every committed transfer's frame arrived, 1 when any was lost or a transfer failed, 2 unreachable, 3 setup failed.</summary>
internal static class LiveLatencyCommand
{
    public const string FundingTokenVariable = "LEDGERX_FUNDING_TOKEN";

    public static Command Create()
    {
        var url = new Option<string?>("--url")
        {
            Description = $"Base URL of the gateway (transfers and the WebSocket both go through it). Default {ServiceUrls.Fallback}.",
        };
        var rate = new Option<double>("--rate")
        {
            // One customer makes every transfer, and the gateway's `writes` budget gives a caller 10 a second
            // (docs/api/gateway.md): above that the run measures the rate limiter, not the live feed.
            Description = "Transfers started per second, on a fixed schedule. Default 8 (one customer's gateway write budget is 10/s).",
            DefaultValueFactory = _ => 8,
        };
        rate.Validators.Add(r =>
        {
            var value = r.GetValueOrDefault<double>();
            if (!(value > 0 && value <= LiveLatencySettings.MaxRate))
            {
                r.AddError(string.Create(CultureInfo.InvariantCulture, $"--rate: {value} is out of range (above 0, at most {LiveLatencySettings.MaxRate})"));
            }
        });
        var duration = BenchCommand.DurationOption("--duration", "How long transfers are started for, e.g. 30s.", TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(1));
        var frameTimeout = BenchCommand.DurationOption("--frame-timeout", "How long the frames of the last transfers may take before they count as lost.",
            TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(1));
        var amount = new Option<long>("--amount") { Description = "Minor units per transfer. Default 1.", DefaultValueFactory = _ => 1 };
        amount.Validators.Add(r =>
        {
            var value = r.GetValueOrDefault<long>();
            if (value < 1 || value > LiveLatencySettings.MaxAmount)
            {
                r.AddError($"--amount: {value} is out of range (1 to {LiveLatencySettings.MaxAmount})");
            }
        });
        var token = new Option<string?>("--token")
        {
            Description = $"The customer's access token (ledger:write, notifications:manage): owns the two accounts, transfers, reads the live feed. " +
                          $"Default: ${CallerToken.Variable}, else the `ledgerx login` session.",
        };
        var fundingToken = new Option<string?>("--funding-token")
        {
            Description = $"A teller's or admin's access token (ledger:fund) for the one deposit that pays for the transfers. Default: ${FundingTokenVariable}.",
        };
        var json = new Option<string?>("--json") { Description = "Also write the report as JSON to this file." };

        var command = new Command("live-latency",
            "Measure ledger commit → WebSocket frame latency through the gateway (with the transfer round trip as baseline) against a running system.")
        {
            url, rate, duration, frameTimeout, amount, token, fundingToken, json,
        };
        command.SetAction(async (parse, ct) =>
        {
            var console = AnsiConsole.Console;
            Uri gateway;
            try
            {
                gateway = ServiceUrls.Resolve(parse.GetValue(url) ?? ServiceUrls.Fallback, _ => null);
            }
            catch (ArgumentException ex)
            {
                console.MarkupLine($"[red]error:[/] {Markup.Escape(ex.Message)}");
                return ExitCodes.SetupFailed;
            }
            var customer = parse.GetValue(token) is { Length: > 0 } given ? given : await CallerToken.FindAsync(console, Environment.GetEnvironmentVariable, ct);
            var funding = parse.GetValue(fundingToken) is { Length: > 0 } explicitFunding ? explicitFunding : Environment.GetEnvironmentVariable(FundingTokenVariable);
            if (string.IsNullOrWhiteSpace(customer) || string.IsNullOrWhiteSpace(funding))
            {
                console.MarkupLine($"[red]error:[/] a customer token (--token, ${CallerToken.Variable} or `ledgerx login`) and a funding token " +
                                   $"(--funding-token or ${FundingTokenVariable}, ledger:fund) are both needed");
                return ExitCodes.SetupFailed;
            }
            var settings = new LiveLatencySettings(gateway, parse.GetValue(rate), parse.GetValue(duration), parse.GetValue(amount),
                parse.GetValue(frameTimeout), customer.Trim(), funding.Trim(), parse.GetValue(json));
            return await LiveLatencyRunner.RunAsync(console, settings, ct);
        });
        return command;
    }
}
