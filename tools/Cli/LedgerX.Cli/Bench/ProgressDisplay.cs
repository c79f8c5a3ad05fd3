using System.Diagnostics;
using Spectre.Console;

namespace LedgerX.Cli.Bench;

/// <summary>
/// Shows a run while it happens: phase, elapsed, applied/s over the last interval, refusals and errors. On a terminal
/// it is a live table redrawn in place; when output is redirected (CI logs, `tee`) it prints a line every few seconds
/// instead, so logs stay readable.
/// </summary>
internal static class ProgressDisplay
{
    private static readonly TimeSpan TerminalRefresh = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan LogRefresh = TimeSpan.FromSeconds(5);

    /// <summary>Shows progress until <paramref name="run"/> completes, and returns its result.</summary>
    public static async Task<T> ShowWhileAsync<T>(IAnsiConsole console, string title, LoadGenerator generator, Task<T> run)
    {
        if (console.Profile.Capabilities.Interactive && console.Profile.Capabilities.Ansi)
        {
            var table = new Table().Border(TableBorder.Rounded).Title(Markup.Escape(title))
                .AddColumns("phase", "elapsed", "applied/s", "applied", "refused (422)", "errors");
            table.AddRow("starting", "", "", "", "", "");
            await console.Live(table).AutoClear(false).StartAsync(async context =>
            {
                await RefreshUntilDoneAsync(generator, run, TerminalRefresh, (snapshot, rate) =>
                {
                    table.UpdateCell(0, 0, snapshot.WarmingUp ? "[yellow]warmup[/]" : "[green]measuring[/]");
                    table.UpdateCell(0, 1, $"{snapshot.Elapsed.TotalSeconds,5:0.0} / {snapshot.Total.TotalSeconds:0} s");
                    table.UpdateCell(0, 2, $"{rate,8:N0}");
                    table.UpdateCell(0, 3, $"{snapshot.AppliedAll:N0}");
                    table.UpdateCell(0, 4, $"{snapshot.Refused:N0}");
                    table.UpdateCell(0, 5, snapshot.Errors == 0 ? "0" : $"[red]{snapshot.Errors:N0}[/]");
                    context.Refresh();
                });
            });
        }
        else
        {
            await RefreshUntilDoneAsync(generator, run, LogRefresh, (snapshot, rate) =>
                console.WriteLine($"  {title}: {(snapshot.WarmingUp ? "warmup   " : "measuring")} {snapshot.Elapsed.TotalSeconds,5:0.0}/{snapshot.Total.TotalSeconds:0} s  " +
                                  $"{rate,7:N0} applied/s  applied {snapshot.AppliedAll:N0}  refused {snapshot.Refused:N0}  errors {snapshot.Errors:N0}"));
        }
        return await run;
    }

    /// <summary>Bounded by the run itself: the run stops at its deadline, and this loop stops with it.</summary>
    private static async Task RefreshUntilDoneAsync(LoadGenerator generator, Task run, TimeSpan interval, Action<LoadSnapshot, double> show)
    {
        var previous = generator.Snapshot();
        var previousAt = Stopwatch.GetTimestamp();
        while (!run.IsCompleted)
        {
            await Task.WhenAny(run, Task.Delay(interval));
            var now = Stopwatch.GetTimestamp();
            var snapshot = generator.Snapshot();
            var seconds = Stopwatch.GetElapsedTime(previousAt, now).TotalSeconds;
            show(snapshot, seconds > 0 ? (snapshot.AppliedAll - previous.AppliedAll) / seconds : 0);
            (previous, previousAt) = (snapshot, now);
        }
    }
}
