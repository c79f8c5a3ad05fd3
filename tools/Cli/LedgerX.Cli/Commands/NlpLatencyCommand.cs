using System.CommandLine;
using System.Globalization;
using LedgerX.Cli.Auth;
using LedgerX.Cli.Common;
using LedgerX.Cli.Nlp;
using Spectre.Console;

namespace LedgerX.Cli.Commands;

/// <summary>`ledgerx nlp-latency`: against a running system, how long a question takes from its POST to its answer's
/// completed frame on the asker's live feed, through the gateway, beside a transfer's round trip in the same run. Exit
/// 0 when every question was accepted and answered in time, 1 otherwise, 2 unreachable, 3 setup failed.</summary>
internal static class NlpLatencyCommand
{
    public static Command Create()
    {
        var url = new Option<string?>("--url") { Description = $"Base URL of the gateway. Default {ServiceUrls.Fallback}." };
        var tokens = new Option<string[]>("--token")
        {
            Description = $"A customer's access token (nlp:ask, ledger:write, notifications:manage); repeat it for several customers, who ask in turn. " +
                          $"Default: ${CallerToken.Variable}, else the `ledgerx login` session.",
            DefaultValueFactory = _ => [],
        };
        var fundingToken = new Option<string?>("--funding-token")
        {
            Description = $"A teller's or admin's access token (ledger:fund) for the deposit paying for the baseline transfers. Default: ${LiveLatencyCommand.FundingTokenVariable}.",
        };
        var rate = new Option<double>("--rate")
        {
            // One customer may ask 10 at once and 1 more every 3 s at the gateway (docs/api/gateway.md): a higher rate
            // needs several customers (or a raised Gateway:RateLimits:Nlp), or it measures the rate limiter.
            Description = "Questions started per second, on a fixed schedule. Default 2 (spread over the customers: keep each under its gateway `nlp` budget).",
            DefaultValueFactory = _ => 2,
        };
        rate.Validators.Add(r =>
        {
            var value = r.GetValueOrDefault<double>();
            if (!(value > 0 && value <= NlpLatencySettings.MaxRate))
            {
                r.AddError(string.Create(CultureInfo.InvariantCulture, $"--rate: {value} is out of range (above 0, at most {NlpLatencySettings.MaxRate})"));
            }
        });
        var questions = new Option<int>("--questions") { Description = "How many questions in all. Default 100.", DefaultValueFactory = _ => 100 };
        questions.Validators.Add(r =>
        {
            var value = r.GetValueOrDefault<int>();
            if (value < 1 || value > NlpLatencySettings.MaxQuestions)
            {
                r.AddError($"--questions: {value} is out of range (1 to {NlpLatencySettings.MaxQuestions})");
            }
        });
        var question = new Option<string[]>("--question")
        {
            Description = "A question to ask (repeatable; asked in turn). Default: seven common questions, one per kind of answer.",
            DefaultValueFactory = _ => [],
        };
        var answerTimeout = BenchCommand.DurationOption("--answer-timeout", "How long the last answers may take after the last question before they count as lost.",
            TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(1));
        var json = new Option<string?>("--json") { Description = "Also write the report as JSON to this file." };

        var command = new Command("nlp-latency",
            "Measure question → answered latency through the gateway (POST to the answer's completed live frame), with the transfer round trip as baseline.")
        {
            url, tokens, fundingToken, rate, questions, question, answerTimeout, json,
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
            var customers = parse.GetValue(tokens)!.Where(t => !string.IsNullOrWhiteSpace(t)).Select(t => t.Trim()).ToList();
            if (customers.Count == 0 && await CallerToken.FindAsync(console, Environment.GetEnvironmentVariable, ct) is { } session)
            {
                customers.Add(session);
            }
            var funding = parse.GetValue(fundingToken) is { Length: > 0 } given ? given : Environment.GetEnvironmentVariable(LiveLatencyCommand.FundingTokenVariable);
            if (customers.Count == 0 || string.IsNullOrWhiteSpace(funding))
            {
                console.MarkupLine($"[red]error:[/] a customer token (--token, ${CallerToken.Variable} or `ledgerx login`) and a funding token " +
                                   $"(--funding-token or ${LiveLatencyCommand.FundingTokenVariable}, ledger:fund) are both needed");
                return ExitCodes.SetupFailed;
            }
            var texts = parse.GetValue(question) is { Length: > 0 } asked ? asked : NlpLatencySettings.DefaultTexts;
            var settings = new NlpLatencySettings(gateway, customers, funding.Trim(), parse.GetValue(rate), parse.GetValue(questions), texts,
                parse.GetValue(answerTimeout), parse.GetValue(json));
            return await NlpLatencyRunner.RunAsync(console, settings, ct);
        });
        return command;
    }
}
