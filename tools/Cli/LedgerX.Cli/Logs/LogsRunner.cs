using LedgerX.Cli.Common;
using LedgerX.LocalDapr.Launcher;

namespace LedgerX.Cli.Logs;

/// <summary>
/// Reads the launcher's log directory: every selected app's rotated and current file merged by time, filtered, then
/// (with <see cref="LogsQuery.Follow"/>) the lines written after, polled, until the launcher stops or the user does.
/// </summary>
internal sealed class LogsRunner
{
    /// <summary>How often a followed file is polled: quick enough to read as live, cheap for a handful of files.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);

    private readonly LogsQuery _query;
    private readonly TextWriter _output;
    private readonly TextWriter _error;
    private readonly TimeProvider _time;
    private int _sourceWidth;

    public LogsRunner(LogsQuery query, TextWriter output, TextWriter error, TimeProvider time)
    {
        _query = query;
        _output = output;
        _error = error;
        _time = time;
    }

    /// <summary>The app ids that have a log file in <paramref name="directory"/>.</summary>
    public static SortedSet<string> AppsIn(string directory) =>
        !Directory.Exists(directory) ? new(StringComparer.Ordinal)
        : new(Directory.EnumerateFiles(directory, "*" + LogFiles.Extension)
            .Select(Path.GetFileName)
            .Where(name => !name!.EndsWith(LogFiles.RotatedExtension, StringComparison.Ordinal))
            .Select(name => name![..^LogFiles.Extension.Length]), StringComparer.Ordinal);

    public async Task<int> RunAsync(CancellationToken ct)
    {
        var available = AppsIn(_query.Directory);
        if (available.Count == 0)
        {
            await _error.WriteLineAsync($"ledgerx logs: no logs in {_query.Directory}: ./ledgerx up has not run in this checkout (it writes one file per app there).");
            return ExitCodes.NotRunning;
        }

        if (_query.Apps.FirstOrDefault(app => !available.Contains(app)) is { } unknown)
        {
            await _error.WriteLineAsync($"ledgerx logs: no app '{unknown}' in {_query.Directory}; the apps are: {string.Join(", ", available)}.");
            return ExitCodes.SetupFailed;
        }

        var selected = _query.Apps.Count == 0 ? available.ToList() : [.. _query.Apps.Order(StringComparer.Ordinal)];
        _sourceWidth = selected.Max(app => app.Length) + "/daprd".Length;
        var cursors = selected.ToDictionary(app => app, app => new LogFileCursor(LogFiles.CurrentPath(_query.Directory, app)), StringComparer.Ordinal);
        try
        {
            var launcher = LauncherInfo.Read(_query.Directory);
            bool running = launcher?.IsRunning() == true;
            // The rotated files are older than everything in the current ones; each is read once, in full.
            Print(selected.SelectMany(app => ReadAll(app, LogFiles.RotatedPath(_query.Directory, app))));
            Print(cursors.SelectMany(c => Entries(c.Key, c.Value.ReadLines())));
            if (!running)
            {
                await _error.WriteLineAsync($"ledgerx logs: ./ledgerx up is not running; these are the logs of its last run ({_query.Directory}).");
                return _query.Follow ? ExitCodes.NotRunning : ExitCodes.Ok;
            }

            return _query.Follow ? await FollowAsync(cursors, launcher!, ct) : ExitCodes.Ok;
        }
        finally
        {
            foreach (var cursor in cursors.Values)
            {
                cursor.Dispose();
            }
        }
    }

    private async Task<int> FollowAsync(Dictionary<string, LogFileCursor> cursors, LauncherInfo launcher, CancellationToken ct)
    {
        while (true)
        {
            try
            {
                await Task.Delay(PollInterval, _time, ct);
            }
            catch (OperationCanceledException)
            {
                return ExitCodes.Ok;
            }

            // Whether it still runs is asked before the last read, so nothing written before it stopped is missed.
            bool stillRunning = launcher.IsRunning() && LauncherInfo.Read(_query.Directory)?.Pid == launcher.Pid;
            Print(cursors.SelectMany(c => Entries(c.Key, c.Value.ReadLines())));
            if (!stillRunning)
            {
                await _error.WriteLineAsync("ledgerx logs: ./ledgerx up stopped.");
                return ExitCodes.Ok;
            }
        }
    }

    private static IEnumerable<LogEntry> ReadAll(string appId, string path)
    {
        if (!File.Exists(path))
        {
            return [];
        }

        using var cursor = new LogFileCursor(path);
        return Entries(appId, cursor.ReadLines());
    }

    /// <summary>Lines that are not events (a file from another tool, a line cut by a crash) are skipped.</summary>
    private static IEnumerable<LogEntry> Entries(string appId, List<string> lines) =>
        lines.Select(ClefEvent.TryParse).OfType<ClefEvent>().Select(e => new LogEntry(appId, e));

    /// <summary>
    /// In time order across apps. A stable sort: each file is already in the order its writer wrote it, which is
    /// kept for equal timestamps (an app's and its sidecar's clocks are the same machine's).
    /// </summary>
    private void Print(IEnumerable<LogEntry> entries)
    {
        var now = _time.GetUtcNow();
        foreach (var entry in entries.Where(e => _query.Matches(e, now)).OrderBy(e => e.Event.Timestamp))
        {
            if (_query.Json)
            {
                entry.WriteJson(_output);
            }
            else
            {
                entry.WriteReadable(_output, _sourceWidth);
            }
        }

        _output.Flush();
    }
}
