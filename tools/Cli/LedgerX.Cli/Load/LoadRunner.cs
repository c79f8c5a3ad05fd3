using System.Globalization;
using LedgerX.Cli.Commands;
using LedgerX.Cli.Common;
using LedgerX.Cli.Load.Users;
using Spectre.Console;

namespace LedgerX.Cli.Load;

internal sealed record SearchSettings(double StartRate, double MaxRate, TimeSpan StepDuration, TimeSpan Warmup);

/// <summary>The verb around the engine: prepares the users, runs (or searches), shows a progress line on stderr once a
/// second, prints the summary and chooses the exit code.</summary>
internal static class LoadRunner
{
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(1);

    public static async Task<int> RunAsync(IAnsiConsole console, TextWriter progress, LoadScript script, string file, PoolSettings poolSettings,
        SearchSettings? search, string? jsonFile, CancellationToken ct)
    {
        UserPool users;
        try
        {
            users = await new UserPoolPreparer(poolSettings, line => progress.WriteLine(line), TimeProvider.System).PrepareAsync(script.Users, ct);
        }
        catch (Exception ex) when (ex is LoadSetupException or HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            console.MarkupLine($"[red]error:[/] preparing the user pool: {Markup.Escape(ex.Message)}");
            return ex is HttpRequestException ? ExitCodes.Unreachable : ExitCodes.SetupFailed;
        }
        using var stopRefreshing = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var refreshing = new TokenRefresher(new CodeFlowSignIn(poolSettings.Gateway), users, TimeProvider.System, line => progress.WriteLine(line))
            .RunAsync(stopRefreshing.Token);
        try
        {
            return search is null
                ? await RunOnceAsync(console, progress, script, poolSettings.Gateway, users, jsonFile, ct)
                : await SearchAsync(console, progress, script, file, poolSettings.Gateway, users, search, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return ExitCodes.Cancelled;
        }
        finally
        {
            await stopRefreshing.CancelAsync();
            await refreshing;
        }
    }

    private static async Task<int> RunOnceAsync(IAnsiConsole console, TextWriter progress, LoadScript script, Uri gateway, UserPool users, string? jsonFile,
        CancellationToken ct)
    {
        await using var run = LoadRun.Start(script, gateway, users, ct);
        var total = script.Scenarios.Max(s => s.StartTime + s.ActiveDuration);
        await ShowProgressAsync(progress, run, total);
        var result = await run.Completion;
        ct.ThrowIfCancellationRequested();
        var load = LoadAverage();
        console.Write(new Text(LoadSummary.Human(result, load)));
        if (jsonFile is not null)
        {
            await File.WriteAllTextAsync(jsonFile, LoadSummary.JsonText(result, load), ct);
        }
        return result.ThresholdsPassed ? ExitCodes.Ok : LoadCommand.ThresholdsFailed;
    }

    private static async Task<int> SearchAsync(IAnsiConsole console, TextWriter progress, LoadScript script, string file, Uri gateway, UserPool users,
        SearchSettings search, CancellationToken ct)
    {
        var steps = await CapacitySearch.RunAsync(script, gateway, users, search.StartRate, search.MaxRate, search.StepDuration, search.Warmup, CapacityCriteria.Rfc001,
            step => progress.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  step {step.Rate:0.#}/s: achieved {step.AchievedPerSecond:0.0}/s  p95 {step.P95Ms:0.0} ms  errors {step.ErrorRate:0.###%}  429 {step.RateLimited}  dropped {step.Dropped}  {(step.Held ? "held" : "NOT held")}")),
            ct);
        ct.ThrowIfCancellationRequested();
        console.Write(new Text(CapacitySearch.Markdown(file, steps, search.StepDuration, LoadAverage())));
        return ExitCodes.Ok;
    }

    /// <summary>k6's progress line, on stderr so stdout stays the summary. Bounded by the run.</summary>
    private static async Task ShowProgressAsync(TextWriter progress, LoadRun run, TimeSpan total)
    {
        var previous = run.Progress();
        while (!run.Completion.IsCompleted)
        {
            await Task.WhenAny(run.Completion, Task.Delay(ProgressInterval, run.Clock));
            var now = run.Progress();
            var seconds = Math.Max((now.Elapsed - previous.Elapsed).TotalSeconds, 1e-9);
            progress.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"running ({now.Elapsed.TotalSeconds:0}s/{total.TotalSeconds:0}s), {now.ActiveVus} active VUs, {now.Iterations} iterations, " +
                $"{(now.Requests - previous.Requests) / seconds:0}/s, failed {now.Failed}, 429 {now.RateLimited}, dropped {now.Dropped}"));
            previous = now;
        }
    }

    private static string? LoadAverage() => MachineLoad.OneMinute()?.ToString("0.00", CultureInfo.InvariantCulture);
}
