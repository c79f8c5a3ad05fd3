using System.Globalization;
using System.Text;

namespace LedgerX.Cli.Load;

/// <summary>The criteria of RFC-001: what a step must show to count as "held".</summary>
internal sealed record CapacityCriteria(double P95LimitMs, double ErrorRateLimit)
{
    public static readonly CapacityCriteria Rfc001 = new(100, 0.001);
}

/// <summary>One constant-rate step of the search and whether it held.</summary>
internal sealed record CapacityStep(double Rate, double AchievedPerSecond, double P95Ms, double P99Ms, double ErrorRate, long RateLimited, long Dropped, bool Held);

/// <summary>
/// `--find-max`: the highest constant arrival rate a scenario set holds (P95 under the limit, errors under the limit,
/// no dropped iterations) for a whole step. Grows ×<see cref="Growth"/> from the start rate until a step fails, then
/// bisects between the last held and the first failed rate until they are within <see cref="Resolution"/> of each
/// other. The stepping is pure (<see cref="Next"/>), so it is tested without a system.
/// </summary>
internal static class CapacitySearch
{
    public const double Growth = 1.5;

    /// <summary>Stop bisecting when the bracket is within 5 % (finer is noise on a shared machine).</summary>
    public const double Resolution = 0.05;

    public const int MaxSteps = 20;

    /// <summary>The next rate to try after <paramref name="steps"/>, or null when the search is done.</summary>
    public static double? Next(IReadOnlyList<CapacityStep> steps, double startRate, double maxRate)
    {
        if (steps.Count == 0)
        {
            return Math.Min(startRate, maxRate);
        }
        if (steps.Count >= MaxSteps)
        {
            return null;
        }
        var held = steps.Where(s => s.Held).Select(s => s.Rate).DefaultIfEmpty(0).Max();
        var failed = steps.Where(s => !s.Held).Select(s => s.Rate).DefaultIfEmpty(double.PositiveInfinity).Min();
        if (double.IsPositiveInfinity(failed))
        {
            return held >= maxRate ? null : Math.Min(held * Growth, maxRate);
        }
        var low = held == 0 ? 0 : held;
        if (failed - low <= Resolution * failed || failed <= 1)
        {
            return null;
        }
        return Math.Round((low + failed) / 2, 1);
    }

    public static CapacityStep Judge(LoadResult result, double rate, CapacityCriteria criteria)
    {
        var all = LoadSummary.Slice(result, null, null);
        var dropped = result.Metrics.Scenarios.Values.Sum(s => s.Dropped);
        var errorRate = all.Requests == 0 ? 1 : (double)all.Failed / all.Requests;
        var held = all.Requests > 0 && all.Latency.P95Ms < criteria.P95LimitMs && errorRate < criteria.ErrorRateLimit && dropped == 0;
        return new CapacityStep(rate, all.PerSecond, all.Latency.P95Ms, all.Latency.P99Ms, errorRate, all.RateLimited, dropped, held);
    }

    /// <param name="warmup">Held at the start rate first and not judged: a first step on cold services (JIT, connection
    /// pools, caches) failed at a rate every later, warm step held, and the search then bisected below the real limit.</param>
    public static async Task<IReadOnlyList<CapacityStep>> RunAsync(LoadScript script, Uri target, UserPool users, double startRate, double maxRate,
        TimeSpan stepDuration, TimeSpan warmup, CapacityCriteria criteria, Action<CapacityStep> stepDone, CancellationToken ct)
    {
        var steps = new List<CapacityStep>();
        using var http = LoadRun.CreateHttpClient((int)Math.Ceiling(maxRate));
        if (warmup > TimeSpan.Zero)
        {
            await using var warming = LoadRun.Start(script.WithTotalRate(Math.Min(startRate, maxRate), warmup), target, users, ct, http);
            await warming.Completion;
        }
        while (Next(steps, startRate, maxRate) is { } rate && !ct.IsCancellationRequested)
        {
            await using var run = LoadRun.Start(script.WithTotalRate(rate, stepDuration), target, users, ct, http);
            var step = Judge(await run.Completion, rate, criteria);
            steps.Add(step);
            stepDone(step);
        }
        return steps;
    }

    /// <summary>The rows for docs/benchmarks.md's criteria table.</summary>
    public static string Markdown(string scenarioFile, IReadOnlyList<CapacityStep> steps, TimeSpan stepDuration, string? loadAverage)
    {
        var inv = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        var best = steps.Where(s => s.Held).OrderByDescending(s => s.Rate).FirstOrDefault();
        text.AppendLine(inv, $"{scenarioFile}: highest rate held for {stepDuration.TotalSeconds:0} s with P95 < 100 ms, < 0.1 % errors, no drops: " +
                             $"**{(best is null ? "none" : best.Rate.ToString("0.#", inv) + "/s")}**{(loadAverage is null ? "" : $" (load average {loadAverage})")}");
        text.AppendLine();
        text.AppendLine("| offered /s | achieved /s | P95 ms | P99 ms | errors | 429 | dropped | held |");
        text.AppendLine("|---:|---:|---:|---:|---:|---:|---:|:---:|");
        foreach (var s in steps)
        {
            text.AppendLine(inv, $"| {s.Rate:0.#} | {s.AchievedPerSecond:0.0} | {s.P95Ms:0.0} | {s.P99Ms:0.0} | {s.ErrorRate:0.###%} | {s.RateLimited} | {s.Dropped} | {(s.Held ? "✓" : "✗")} |");
        }
        return text.ToString();
    }
}
