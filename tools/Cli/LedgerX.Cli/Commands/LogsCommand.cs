using System.CommandLine;
using LedgerX.Cli.Common;
using LedgerX.Cli.Logs;
using LedgerX.LocalDapr.Launcher;

namespace LedgerX.Cli.Commands;

/// <summary>
/// `ledgerx logs`: the running system's logs (every app's and sidecar's, as <c>./ledgerx up</c> writes them to
/// <c>.ledgerx/logs/&lt;app-id&gt;.jsonl</c>), merged by time, filtered by app, trace id, age and level, printed readable
/// or as JSON lines, and followed with <c>--follow</c>. Exit code 0 when the logs were shown (with <c>--follow</c>:
/// until Ctrl-C or until <c>up</c> stops), 3 for a bad argument or an app that has no log, 4 when there are no logs at
/// all, or when <c>--follow</c> finds <c>up</c> not running (its last run's lines are printed first).
/// </summary>
internal static class LogsCommand
{
    /// <summary>Moves <c>up</c>'s state directory (as the ledgerx script reads it); the logs are in its <c>logs/</c>.</summary>
    public const string UpDirectoryVariable = "LEDGERX_UP_DIR";

    public static Command Create()
    {
        var apps = new Option<string[]>("--app")
        {
            Description = "Only this app's (and its sidecar's) lines; repeatable. Default: every app.",
            AllowMultipleArgumentsPerToken = false,
        };
        var trace = new Option<string?>("--trace") { Description = "Only the lines of this trace: a W3C trace id, 32 hex digits (a traceparent's second field)." };
        var since = new Option<string?>("--since") { Description = $"Only lines of the last DURATION: {DurationParser.AcceptedForms}." };
        var level = new Option<string?>("--level") { Description = "Only lines at this level or above: verbose, debug, information, warning, error, fatal (or trce/dbg/info/warn/err/crit...)." };
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep printing new lines as they are written, until Ctrl-C or until ./ledgerx up stops." };
        var json = new Option<bool>("--json") { Description = "Print each line as JSON (CLEF, with \"AppId\" added) instead of readable text." };
        var directory = new Option<string?>("--dir") { Description = $"The log directory. Default: ${UpDirectoryVariable}/logs, else .ledgerx/logs of the checkout." };
        var command = new Command("logs", "Show (and follow) the running system's logs: every app and sidecar, merged by time, filtered by app, trace, age and level.")
        {
            apps, trace, since, level, follow, json, directory,
        };
        command.SetAction((parse, ct) => RunAsync(parse, Console.Out, Console.Error, ct));
        return command;
    }

    /// <summary>Runs a parsed <c>logs</c> command line, writing the lines to <paramref name="output"/> and what goes wrong to <paramref name="error"/>.</summary>
    public static async Task<int> RunAsync(ParseResult parse, TextWriter output, TextWriter error, CancellationToken ct)
    {
        var query = Parse(
            parse.GetValue<string[]>("--app") ?? [],
            parse.GetValue<string?>("--trace"),
            parse.GetValue<string?>("--since"),
            parse.GetValue<string?>("--level"),
            parse.GetValue<bool>("--follow"),
            parse.GetValue<bool>("--json"),
            parse.GetValue<string?>("--dir") ?? DefaultDirectory(Environment.GetEnvironmentVariable),
            out string? problem);
        if (query is null)
        {
            await error.WriteLineAsync($"ledgerx logs: {problem}");
            return ExitCodes.SetupFailed;
        }

        return await new LogsRunner(query, output, error, TimeProvider.System).RunAsync(ct);
    }

    /// <summary>The query, or null with the reason a person can act on.</summary>
    public static LogsQuery? Parse(IReadOnlyList<string> apps, string? trace, string? since, string? level, bool follow, bool json, string directory, out string? error)
    {
        error = null;
        TimeSpan? age = null;
        if (since is not null)
        {
            if (!DurationParser.TryParse(since, out var parsed, out string? reason))
            {
                error = $"--since: {reason}";
                return null;
            }

            age = parsed;
        }

        var minimum = ClefLevel.Verbose;
        if (level is not null)
        {
            if (ClefLevels.Parse(level) is not { } parsedLevel)
            {
                error = $"--level: '{level}' is not a level; use verbose, debug, information, warning, error or fatal.";
                return null;
            }

            minimum = parsedLevel;
        }

        string? traceId = trace?.Trim().ToLowerInvariant();
        if (traceId is not null && !LogsQuery.IsTraceId(traceId))
        {
            error = $"--trace: '{trace}' is not a W3C trace id (32 hex digits, not all zero).";
            return null;
        }

        if (apps.FirstOrDefault(app => string.IsNullOrWhiteSpace(app) || app.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 || app.Contains("..", StringComparison.Ordinal)) is { } bad)
        {
            error = $"--app: '{bad}' is not an app id.";
            return null;
        }

        return new LogsQuery(directory, apps.ToHashSet(StringComparer.Ordinal), traceId, age, minimum, follow, json);
    }

    /// <summary><c>$LEDGERX_UP_DIR/logs</c>, else <c>.ledgerx/logs</c> of the checkout around the working directory or the tool.</summary>
    public static string DefaultDirectory(Func<string, string?> environment)
    {
        if (environment(UpDirectoryVariable) is { Length: > 0 } upDirectory)
        {
            return Path.Combine(upDirectory, "logs");
        }

        foreach (string start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "ledgerx")) && File.Exists(Path.Combine(dir.FullName, "dapr.yaml")))
                {
                    return Path.Combine(dir.FullName, ".ledgerx", "logs");
                }
            }
        }

        return Path.Combine(Directory.GetCurrentDirectory(), ".ledgerx", "logs");
    }
}
