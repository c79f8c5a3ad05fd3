using System.Diagnostics;
using System.Globalization;
using LedgerX.Cli.Common;

namespace LedgerX.Cli.Bench;

/// <summary>The outbox over one run (with --sidecar): how many committed events were waiting to be published and how
/// old the oldest was, sampled through the run; where it stood when the window closed; how long it took to empty.</summary>
internal sealed record OutboxLag(int Samples, long MaxDepth, double MaxAgeMs, long DepthAtEnd, double AgeAtEndMs, double? DrainSeconds)
{
    /// <summary>Summarizes samples taken from the start of a run; <paramref name="windowEnd"/> is when its load stopped, and
    /// <paramref name="drainedAt"/> when the outbox was first seen empty after it (null: not within the drain limit).</summary>
    public static OutboxLag From(IReadOnlyList<OutboxSample> samples, TimeSpan windowEnd, TimeSpan? drainedAt)
    {
        if (samples.Count == 0)
        {
            return new OutboxLag(0, 0, 0, 0, 0, null);
        }
        // The last look at or before the window's end is "at end"; with none yet, the first look after it.
        var atEnd = samples.LastOrDefault(s => s.At <= windowEnd) ?? samples[0];
        return new OutboxLag(samples.Count, samples.Max(s => s.Depth), samples.Max(s => s.OldestAgeMs), atEnd.Depth, atEnd.OldestAgeMs,
            drainedAt is { } drained ? Math.Max(0, (drained - windowEnd).TotalSeconds) : null);
    }
}

/// <summary>One look at the outbox, <see cref="At"/> after the run started.</summary>
internal sealed record OutboxSample(TimeSpan At, long Depth, double OldestAgeMs);

/// <summary>
/// Looks at the outbox once a second with psql, straight in the database (not the service's own gauge, which the relay
/// refreshes only between its passes): the unpublished rows and the age of the oldest. Runs from a run's start until its
/// window ends, then until the outbox is empty or <see cref="DrainLimit"/> has passed, so every sampler is bounded.
/// </summary>
internal sealed class OutboxLagSampler(string psql, string port, string database)
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    /// <summary>Longer than any healthy relay needs to publish what a 1-minute run leaves behind, short enough that a relay
    /// that cannot keep up does not hold the bench for long.</summary>
    public static readonly TimeSpan DrainLimit = TimeSpan.FromMinutes(2);

    private static readonly TimeSpan QueryTimeout = TimeSpan.FromSeconds(30);

    // clock_timestamp, not now(): psql's one-statement transaction would otherwise age rows from its own start.
    private const string Query =
        "SELECT count(*), coalesce(extract(epoch FROM clock_timestamp() - min(e.occurred_at)) * 1000, 0)::float8 " +
        "FROM outbox o JOIN event_log e ON e.sequence = o.sequence WHERE o.sent_at IS NULL";

    /// <summary>Samples until <paramref name="windowEnd"/> (after <paramref name="started"/>, a Stopwatch timestamp) and then
    /// until the outbox is empty; returns the summary.</summary>
    public async Task<OutboxLag> RunAsync(long started, TimeSpan windowEnd, CancellationToken ct)
    {
        var samples = new List<OutboxSample>();
        TimeSpan? drainedAt = null;
        while (!ct.IsCancellationRequested)
        {
            var at = Stopwatch.GetElapsedTime(started);
            if (await LookAsync(at, ct) is { } sample)
            {
                samples.Add(sample);
                if (sample.At >= windowEnd && sample.Depth == 0)
                {
                    drainedAt = sample.At;
                    break;
                }
            }
            if (at >= windowEnd + DrainLimit)
            {
                break;
            }
            var next = Interval - (Stopwatch.GetElapsedTime(started) - at);
            if (next > TimeSpan.Zero)
            {
                await Task.Delay(next, ct);
            }
        }
        return OutboxLag.From(samples, windowEnd, drainedAt);
    }

    private async Task<OutboxSample?> LookAsync(TimeSpan at, CancellationToken ct)
    {
        var result = await ProcessRunner.RunAsync(psql, ["-h", "127.0.0.1", "-p", port, "-U", "postgres", "-d", database, "-X", "-A", "-t", "-F", " ", "-c", Query],
            QueryTimeout, ct);
        return result.ExitCode == 0 ? Parse(at, result.StandardOutput) : null;
    }

    /// <summary>psql's unaligned "count age" line; null when it is not one (a failed look is skipped, not guessed).</summary>
    internal static OutboxSample? Parse(TimeSpan at, string output) =>
        output.Trim().Split(' ') is [var depth, var age]
        && long.TryParse(depth, NumberStyles.None, CultureInfo.InvariantCulture, out var d)
        && double.TryParse(age, NumberStyles.Float, CultureInfo.InvariantCulture, out var a)
            ? new OutboxSample(at, d, a)
            : null;
}
