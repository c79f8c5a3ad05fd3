using System.Text.RegularExpressions;
using LedgerX.LocalDapr.Launcher;

namespace LedgerX.Cli.Logs;

/// <summary>What <c>./ledgerx logs</c> shows: which apps, which trace, since when, from which level, and how.</summary>
internal sealed partial record LogsQuery(
    string Directory,
    IReadOnlySet<string> Apps,
    string? TraceId,
    TimeSpan? Since,
    ClefLevel MinimumLevel,
    bool Follow,
    bool Json)
{
    /// <summary>A W3C trace id: 32 lowercase hex digits, not all zero (what <c>@tr</c> holds and Zipkin/Jaeger show).</summary>
    public static bool IsTraceId(string value) => TraceIdPattern().IsMatch(value) && value.Any(c => c != '0');

    public bool Matches(LogEntry entry, DateTimeOffset now) =>
        (Apps.Count == 0 || Apps.Contains(entry.AppId))
        && (TraceId is null || string.Equals(entry.Event.TraceId, TraceId, StringComparison.OrdinalIgnoreCase))
        && (Since is not { } since || entry.Event.Timestamp >= now - since)
        && entry.Event.Level >= MinimumLevel;

    [GeneratedRegex("^[0-9a-f]{32}$", RegexOptions.CultureInvariant)]
    private static partial Regex TraceIdPattern();
}
