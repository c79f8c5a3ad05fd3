using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using LedgerX.LocalDapr.Launcher;

namespace LedgerX.Cli.Tests.Logs;

/// <summary>A log directory as the launcher leaves it, written by hand: CLEF lines per app, and the launcher's marker.</summary>
internal sealed class LogDirectoryFixture : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("ledgerx-logs-").FullName;

    public static string Line(DateTimeOffset at, string message, string? traceId = null, string level = "Information", string? origin = null) =>
        ClefEvent.Write(at, ClefLevels.Parse(level)!.Value, message, null, "LedgerX.Test.Sample", traceId, traceId is null ? null : "00f067aa0ba902b7", origin, []);

    public void Append(string appId, params string[] lines) =>
        File.AppendAllLines(LogFiles.CurrentPath(Path, appId), lines);

    public void AppendRotated(string appId, params string[] lines) =>
        File.AppendAllLines(LogFiles.RotatedPath(Path, appId), lines);

    /// <summary>Marks the directory as written by a running launcher: this test process, which is alive.</summary>
    public void MarkRunning() =>
        File.WriteAllText(System.IO.Path.Combine(Path, LogFiles.MarkerFile),
            JsonSerializer.Serialize(new { pid = Environment.ProcessId, started = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture), apps = Array.Empty<string>() }));

    public void MarkStopped() => File.Delete(System.IO.Path.Combine(Path, LogFiles.MarkerFile));

    public void Dispose() => Directory.Delete(Path, recursive: true);

    /// <summary>Polls (no sleeps as synchronisation) until <paramref name="condition"/> holds; generous for a loaded machine.</summary>
    public static Task WaitUntilAsync(Func<bool> condition, string what) => WaitUntilAsync(() => Task.FromResult(condition()), what);

    public static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            clock.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(60), what);
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }
}
