using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using LedgerX.Cli.Auth;
using LedgerX.Cli.Common;
using LedgerX.Cli.Nlp;
using Spectre.Console;

namespace LedgerX.Cli.Commands;

/// <summary>`ledgerx ask "what did I spend on groceries last month?"`: a question about one's own money through the
/// gateway, the answer streamed from the live feed, then its figures and the records it rests on. Also `--show ID`,
/// `--cancel ID` and `--rate ID SCORE`. Exit 0 answered (or done), 1 not answered / refused by the API, 2 unreachable,
/// 3 not signed in or not allowed, 130 interrupted (the question is cancelled first).</summary>
internal static class AskCommand
{
    public static Command Create()
    {
        var question = new Argument<string[]>("question")
        {
            Description = "The question, in English or German (quotes optional), at most 500 characters.",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var url = new Option<string?>("--url") { Description = $"Base URL of the gateway. Default {ServiceUrls.Fallback}." };
        var token = new Option<string?>("--token") { Description = $"The asker's access token. Default: ${CallerToken.Variable}, else the `ledgerx login` session." };
        var json = new Option<bool>("--json") { Description = "Print only the final question as JSON (GET /api/v1/questions/{id}), nothing streamed." };
        var timeZone = new Option<string?>("--time-zone")
        {
            Description = $"IANA time zone periods such as \"last month\" are read in. Default: this machine's ({NlpClient.LocalTimeZone() ?? "none: the service's default"}).",
        };
        timeZone.Validators.Add(r =>
        {
            var value = r.GetValueOrDefault<string?>();
            if (value is not null && !TimeZoneInfo.TryFindSystemTimeZoneById(value, out _))
            {
                r.AddError($"--time-zone: '{value}' is not a known IANA time zone (e.g. Europe/Berlin, UTC)");
            }
        });
        var language = new Option<string?>("--language") { Description = "en or de. Default: the service's." };
        language.AcceptOnlyFromAmong(AskSettings.Languages);
        var noStream = new Option<bool>("--no-stream") { Description = "Do not open the live feed; poll the question until it is answered." };
        var timeout = BenchCommand.DurationOption("--timeout", "How long to wait for the answer, e.g. 60s (the question stays readable with --show).",
            TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(1));
        var show = new Option<Guid?>("--show") { Description = "Print a question asked earlier (ID) with its answer." };
        var cancel = new Option<Guid?>("--cancel") { Description = "Cancel a question (ID) that is still queued or being answered." };
        var rate = new Option<string[]>("--rate")
        {
            Description = "Rate an answered or refused question: --rate ID SCORE (1 to 5). Stored for evaluation.",
            Arity = new ArgumentArity(2, 2),
            AllowMultipleArgumentsPerToken = true,
            HelpName = "ID SCORE",
        };
        rate.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<string[]>() is [var id, var score] && (!Guid.TryParse(id, out _) || !int.TryParse(score, NumberStyles.None, CultureInfo.InvariantCulture, out var s) || s is < 1 or > 5))
            {
                r.AddError($"--rate: expected a question id and a score from 1 to 5, got '{id} {score}'");
            }
        });
        var comment = new Option<string?>("--comment") { Description = $"With --rate: a comment (at most {AskSettings.MaxCommentLength} characters)." };
        comment.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<string?>() is { Length: > AskSettings.MaxCommentLength })
            {
                r.AddError($"--comment: at most {AskSettings.MaxCommentLength} characters");
            }
        });

        var command = new Command("ask", "Ask about your own money in plain language; the answer streams in, then its figures and the records it rests on.")
        {
            question, url, token, json, timeZone, language, noStream, timeout, show, cancel, rate, comment,
        };
        command.Validators.Add(r => Validate(r, question, show, cancel, rate, comment));
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
            var caller = parse.GetValue(token) is { Length: > 0 } given ? given.Trim() : await CallerToken.FindAsync(console, Environment.GetEnvironmentVariable, ct);
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
            var client = new NlpClient(http, gateway, caller);
            if (parse.GetValue(show) is { } shown)
            {
                return await AskRunner.ShowAsync(console, Console.Out, client, shown, parse.GetValue(json), ct);
            }
            if (parse.GetValue(cancel) is { } cancelled)
            {
                return await AskRunner.CancelAsync(console, client, cancelled, ct);
            }
            if (parse.GetValue(rate) is [var id, var score])
            {
                return await AskRunner.RateAsync(console, client, Guid.Parse(id), int.Parse(score, CultureInfo.InvariantCulture), parse.GetValue(comment), ct);
            }
            var settings = new AskSettings(gateway, caller, parse.GetValue(timeZone) ?? NlpClient.LocalTimeZone(), parse.GetValue(language),
                !parse.GetValue(noStream), parse.GetValue(timeout), parse.GetValue(json));
            return await AskRunner.AskAsync(console, Console.Out, client, settings, QuestionText(parse.GetValue(question)), ct);
        });
        return command;
    }

    /// <summary>The words of the question as one line: `ledgerx ask how much on rent` needs no quotes.</summary>
    public static string QuestionText(string[]? words) => string.Join(' ', words ?? []).Trim();

    /// <summary>Exactly one thing to do: a question, --show, --cancel or --rate; --comment only with --rate.</summary>
    private static void Validate(CommandResult r, Argument<string[]> question, Option<Guid?> show, Option<Guid?> cancel, Option<string[]> rate, Option<string?> comment)
    {
        var text = QuestionText(r.GetValue(question));
        var actions = new[] { text.Length > 0, r.GetResult(show) is not null, r.GetResult(cancel) is not null, r.GetResult(rate) is not null }.Count(x => x);
        if (actions == 0)
        {
            r.AddError("ask: give a question, e.g. ledgerx ask \"what did I spend on groceries last month?\" (or --show, --cancel, --rate)");
        }
        else if (actions > 1)
        {
            r.AddError("ask: a question, --show, --cancel and --rate are separate uses; give one");
        }
        else if (text.Length > AskSettings.MaxQuestionLength)
        {
            r.AddError($"ask: the question has {text.Length} characters; at most {AskSettings.MaxQuestionLength}");
        }
        if (r.GetResult(comment) is not null && r.GetResult(rate) is null)
        {
            r.AddError("--comment goes with --rate");
        }
    }
}
