using System.CommandLine;
using System.Globalization;
using LedgerX.Cli.Common;
using LedgerX.Cli.Load;
using LedgerX.Cli.Load.Users;
using Spectre.Console;

namespace LedgerX.Cli.Commands;

/// <summary>`ledgerx load FILE`: runs a scenario file (load/*.json, docs/load.md) against a running system through
/// its gateway with k6's semantics. Exit 0 when every threshold passed, 99 when one failed (k6's code), 3 when the
/// file or the user pool could not be prepared, 130 when cancelled. `--find-max` searches the highest rate held.</summary>
internal static class LoadCommand
{
    /// <summary>k6's exit code for failed thresholds, so CI scripts written for k6 read it the same.</summary>
    public const int ThresholdsFailed = 99;

    public const string DefaultCacheFile = ".ledgerx/load-users.json";
    public const string DefaultMaildir = ".ledgerx/mail/new";

    public static Command Create()
    {
        var file = new Argument<string>("file") { Description = "The scenario file, e.g. load/mixed.json." };
        var url = new Option<string?>("--url") { Description = $"Base URL of the gateway. Default {ServiceUrls.Fallback}." };
        var json = new Option<string?>("--json") { Description = "Also write the summary (k6's handleSummary shape, plus every acknowledged command) to this file." };
        var users = new Option<string>("--users-file")
        {
            Description = $"Where the user pool is kept between runs. Default {DefaultCacheFile}.", DefaultValueFactory = _ => DefaultCacheFile,
        };
        var maildir = new Option<string>("--maildir")
        {
            Description = $"Where new pool users' confirmation mail arrives (`./ledgerx up` delivers there). Default {DefaultMaildir}.",
            DefaultValueFactory = _ => DefaultMaildir,
        };
        var adminPassword = new Option<string?>("--admin-password")
        {
            Description = $"The seeded admin's password, to make the pool's teller and analyst once. Default ${PoolSettings.AdminPasswordVariable}.",
        };
        var findMax = new Option<bool>("--find-max") { Description = "Search the highest constant total arrival rate held (P95 < 100 ms, < 0.1 % errors, no drops)." };
        var stepDuration = BenchCommand.DurationOption("--step-duration", "How long --find-max holds each rate.", TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(1));
        var warmup = BenchCommand.DurationOption("--warmup", "--find-max holds the start rate this long first, unjudged (cold services fail a first step they hold warm); 0s for none.", TimeSpan.FromSeconds(10), TimeSpan.Zero);
        var startRate = new Option<double>("--start-rate") { Description = "--find-max's first rate (/s). Default 100.", DefaultValueFactory = _ => 100 };
        var maxRate = new Option<double>("--max-rate") { Description = "--find-max's highest rate (/s). Default 5000.", DefaultValueFactory = _ => 5000 };
        foreach (var rate in new[] { startRate, maxRate })
        {
            rate.Validators.Add(r =>
            {
                var value = r.GetValueOrDefault<double>();
                if (!(value >= 1 && value <= LoadScriptParser.MaxRatePerSecond))
                {
                    r.AddError(string.Create(CultureInfo.InvariantCulture, $"{rate.Name}: {value} is out of range (1 to {LoadScriptParser.MaxRatePerSecond})"));
                }
            });
        }

        var command = new Command("load", "Run a load scenario file (k6 semantics: arrival-rate and VU executors, checks, thresholds) through the gateway of a running system.")
        {
            file, url, json, users, maildir, adminPassword, findMax, stepDuration, warmup, startRate, maxRate,
        };
        command.SetAction(async (parse, ct) =>
        {
            var console = AnsiConsole.Console;
            LoadScript script;
            Uri gateway;
            try
            {
                script = LoadScriptParser.Load(parse.GetValue(file)!);
                gateway = ServiceUrls.Resolve(parse.GetValue(url) ?? ServiceUrls.Fallback, _ => null);
            }
            catch (Exception ex) when (ex is LoadScriptException or ArgumentException)
            {
                console.MarkupLine($"[red]error:[/] {Markup.Escape(ex.Message)}");
                return ExitCodes.SetupFailed;
            }
            var settings = new PoolSettings(gateway, parse.GetValue(users)!, parse.GetValue(maildir)!,
                parse.GetValue(adminPassword) ?? Environment.GetEnvironmentVariable(PoolSettings.AdminPasswordVariable));
            var search = parse.GetValue(findMax)
                ? new SearchSettings(parse.GetValue(startRate), parse.GetValue(maxRate), parse.GetValue(stepDuration), parse.GetValue(warmup))
                : null;
            return await LoadRunner.RunAsync(console, Console.Error, script, parse.GetValue(file)!, settings, search, parse.GetValue(json), ct);
        });
        return command;
    }
}
