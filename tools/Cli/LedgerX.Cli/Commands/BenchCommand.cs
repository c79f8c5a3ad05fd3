using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using LedgerX.Cli.Bench;
using LedgerX.Cli.Common;
using Spectre.Console;

namespace LedgerX.Cli.Commands;

/// <summary>`ledgerx bench`: drives transfers through the HTTP API with N concurrent clients and reports applied
/// transfers/s and latency percentiles, then verifies the ledger. Without --url it runs against a private, throwaway
/// PostgreSQL + transaction-service that it starts and always tears down.</summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var url = new Option<string?>("--url")
        {
            Description = "Base URL of a running transaction-service. Without it the bench starts its own (PostgreSQL + Release build) and stops it at the end.",
        };
        var mode = new Option<string>("--mode")
        {
            Description = "uniform: random pairs among the accounts; hot: every transfer debits one account; both: one after the other.",
            DefaultValueFactory = _ => "both",
        };
        mode.AcceptOnlyFromAmong("uniform", "hot", "both");
        var accounts = new Option<int>("--accounts")
        {
            Description = "Accounts per run (hot: receiving accounts, plus one source).",
            DefaultValueFactory = _ => 1000,
        };
        accounts.Validators.Add(r => Range(r, r.GetValueOrDefault<int>(), 2, BenchSettings.MaxAccounts, "--accounts"));
        var clients = new Option<IReadOnlyList<int>>("--clients")
        {
            Description = "Concurrent clients; a comma-separated list (16,64,128) runs each in turn.",
            DefaultValueFactory = _ => [64],
            CustomParser = ParseClients,
        };
        var duration = DurationOption("--duration", "Measured time per run, e.g. 30s or 1m.", TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(1));
        var warmup = DurationOption("--warmup", "Unmeasured load before each run's window (JIT, connection pools, caches).", TimeSpan.FromSeconds(5), TimeSpan.Zero);
        var amount = new Option<long>("--amount")
        {
            Description = "Minor units per transfer.",
            DefaultValueFactory = _ => 1,
        };
        amount.Validators.Add(r => Range(r, r.GetValueOrDefault<long>(), 1, BenchSettings.MaxAmount, "--amount"));
        var json = new Option<string?>("--json") { Description = "Also write the report as JSON to this file." };
        var serviceSettings = new Option<string[]>("--service-setting")
        {
            Description = "KEY=VALUE environment for the service the bench starts (repeatable; overrides the defaults " +
                          string.Join(", ", BenchEnvironment.DefaultServiceSettings.Select(s => $"{s.Key}={s.Value}")) + ").",
            DefaultValueFactory = _ => [],
            AllowMultipleArgumentsPerToken = false,
        };
        serviceSettings.Validators.Add(r =>
        {
            foreach (var bad in r.GetValueOrDefault<string[]>()?.Where(s => !s.Contains('=', StringComparison.Ordinal) || s.StartsWith('=')) ?? [])
            {
                r.AddError($"--service-setting '{bad}' is not KEY=VALUE");
            }
        });

        var serviceDll = new Option<string?>("--service-dll")
        {
            Description = "The transaction-service build to start (without --url), e.g. one built from a pinned commit. Default: the repository's Release build.",
        };

        var token = new Option<string?>("--token")
        {
            Description = "With --url: an access token with ledger:write to open the bench's accounts with (e.g. \"$(./ledgerx token)\"). " +
                          "Default: $LEDGERX_TOKEN. Without --url the bench issues its own for the service it starts.",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("LEDGERX_TOKEN") is { Length: > 0 } fromEnvironment ? fromEnvironment : null,
        };

        var baseline = new Option<bool>("--baseline")
        {
            Description = "First run the same transfer in raw SQL (Debian's pgbench) for every mode and client count, on the bench's own " +
                          "PostgreSQL, and report the ledger's throughput as a ratio to it. Not with --url.",
        };
        var postgresSettings = new Option<string[]>("--postgres-setting")
        {
            Description = "NAME=VALUE for the bench's private PostgreSQL (appended to its postgresql.conf, then a restart; repeatable), e.g. " +
                          "shared_preload_libraries=pg_stat_statements,auto_explain. Not with --url.",
            DefaultValueFactory = _ => [],
            AllowMultipleArgumentsPerToken = false,
        };
        postgresSettings.Validators.Add(r =>
        {
            foreach (var bad in r.GetValueOrDefault<string[]>()?.Where(s => !IsPostgresSetting(s)) ?? [])
            {
                r.AddError($"--postgres-setting '{bad}' is not NAME=VALUE with a PostgreSQL setting name (letters, digits, _ and .)");
            }
        });

        var rate = new Option<int?>("--rate")
        {
            Description = "Open loop: transfers arrive at this many per second whatever the service answers, with at most --clients in flight; " +
                          "latency runs from each arrival's scheduled time (no coordinated omission). Not with --baseline.",
        };
        rate.Validators.Add(r => Range(r, r.GetValueOrDefault<int?>() ?? 1, 1, BenchSettings.MaxRate, "--rate"));

        var sidecar = new Option<bool>("--sidecar")
        {
            Description = "Start a LocalDapr sidecar for the service (the repository's Redis pub/sub component on the bench's own Redis, as " +
                          "./ledgerx up) so the outbox relay publishes every event, and report the outbox's depth, age and drain time per run. " +
                          "Needs the Release build of tools/LocalDapr/LedgerX.LocalDapr.Host. Not with --url.",
        };

        var command = new Command("bench", "Benchmark transfers through the ledger's HTTP API (uniform and hot-account traffic), then verify the ledger.")
        {
            url, mode, accounts, clients, duration, warmup, amount, json, serviceSettings, serviceDll, token, baseline, postgresSettings, rate, sidecar,
        };
        command.Validators.Add(r =>
        {
            if (r.GetValue(url) is { Length: > 0 } && (r.GetValue(baseline) || r.GetValue(postgresSettings) is { Length: > 0 }))
            {
                r.AddError("--baseline and --postgres-setting need the bench's own PostgreSQL: drop --url (pgbench must run on the server the ledger runs on)");
            }
            if (r.GetValue(url) is { Length: > 0 } && r.GetValue(sidecar))
            {
                r.AddError("--sidecar starts a sidecar for the service the bench starts: drop --url");
            }
            if (r.GetValue(rate) is not null && r.GetValue(baseline))
            {
                // pgbench runs closed loop: a throughput ratio to an open-loop run, whose throughput is the offered rate, says nothing.
                r.AddError("--rate (open loop) and --baseline (a closed-loop throughput ratio) do not go together: drop one");
            }
        });
        command.SetAction(async (parse, ct) =>
        {
            Uri? target = null;
            if (parse.GetValue(url) is { Length: > 0 } explicitUrl)
            {
                try
                {
                    target = ServiceUrls.Resolve(explicitUrl, _ => null);
                }
                catch (ArgumentException ex)
                {
                    AnsiConsole.MarkupLine($"[red]error:[/] {Markup.Escape(ex.Message)}");
                    return ExitCodes.SetupFailed;
                }
            }
            var environment = new Dictionary<string, string>(BenchEnvironment.DefaultServiceSettings);
            if (parse.GetValue(sidecar))
            {
                // The slow default poll only keeps a relay that cannot publish quiet; with a sidecar it runs as configured.
                environment.Remove(BenchEnvironment.OutboxPollSetting);
            }
            foreach (var setting in parse.GetValue(serviceSettings) ?? [])
            {
                var pair = setting.Split('=', 2);
                environment[pair[0]] = pair[1];
            }
            var settings = new BenchSettings(target, Modes(parse.GetValue(mode)!), parse.GetValue(accounts), parse.GetValue(clients)!,
                parse.GetValue(duration), parse.GetValue(warmup), parse.GetValue(amount), parse.GetValue(json), environment,
                parse.GetValue(serviceDll), target is null ? null : parse.GetValue(token), parse.GetValue(baseline),
                (parse.GetValue(postgresSettings) ?? []).Select(s => s.Split('=', 2)).ToDictionary(p => p[0], p => p[1]), parse.GetValue(rate), parse.GetValue(sidecar));
            return await BenchRunner.RunAsync(AnsiConsole.Console, settings, ct);
        });
        return command;
    }

    /// <summary>NAME=VALUE where NAME is a PostgreSQL setting's shape (it goes into postgresql.conf and a query unquoted, so nothing else passes).</summary>
    internal static bool IsPostgresSetting(string text) =>
        text.Split('=', 2) is [var name, _] && name.Length is > 0 and <= 63 && (char.IsAsciiLetterLower(name[0]) || name[0] == '_') &&
        name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '_' or '.');

    private static IReadOnlyList<BenchMode> Modes(string mode) => mode switch
    {
        "uniform" => [BenchMode.Uniform],
        "hot" => [BenchMode.Hot],
        _ => [BenchMode.Uniform, BenchMode.Hot],
    };

    /// <summary>A duration option (30s, 2m, ...) between <paramref name="minimum"/> and an hour; live-latency uses it too.</summary>
    internal static Option<TimeSpan> DurationOption(string name, string description, TimeSpan defaultValue, TimeSpan minimum)
    {
        var maximum = TimeSpan.FromHours(1);
        return new Option<TimeSpan>(name)
        {
            Description = $"{description} Default {defaultValue.TotalSeconds:0}s.",
            DefaultValueFactory = _ => defaultValue,
            CustomParser = result =>
            {
                var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : null;
                if (!DurationParser.TryParse(text, out var value, out var error))
                {
                    result.AddError($"{name}: {error}");
                    return default;
                }
                if (value < minimum || value > maximum)
                {
                    result.AddError($"{name}: '{text}' must be between {minimum.TotalSeconds:0}s and {maximum.TotalMinutes:0}m");
                    return default;
                }
                return value;
            },
        };
    }

    private static IReadOnlyList<int> ParseClients(ArgumentResult result)
    {
        var values = new List<int>();
        foreach (var part in result.Tokens.SelectMany(t => t.Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < 1 || n > BenchSettings.MaxClients)
            {
                result.AddError($"--clients: '{part}' is not a client count from 1 to {BenchSettings.MaxClients}");
                return [];
            }
            values.Add(n);
        }
        if (values.Count == 0)
        {
            result.AddError("--clients: give at least one client count, e.g. 64 or 16,64,128");
        }
        return values;
    }

    private static void Range(OptionResult result, long value, long minimum, long maximum, string name)
    {
        if (value < minimum || value > maximum)
        {
            result.AddError($"{name}: {value} is out of range ({minimum} to {maximum})");
        }
    }
}
