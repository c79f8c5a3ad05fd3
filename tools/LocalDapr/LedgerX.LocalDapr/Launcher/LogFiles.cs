using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace LedgerX.LocalDapr.Launcher;

/// <summary>
/// The launcher's log directory (<c>.ledgerx/logs</c> under <c>./ledgerx up</c>): one <see cref="AppLogFile"/> per app,
/// and <c>launcher.json</c> (pid, start time, app ids) for as long as the launcher runs, which is how
/// <c>./ledgerx logs</c> tells a running system from the files of one that has stopped.
/// </summary>
public sealed class LogFiles : IDisposable
{
    public const string Extension = ".jsonl";
    public const string RotatedExtension = ".1.jsonl";
    public const string MarkerFile = "launcher.json";

    /// <summary>16 MiB per file (32 MiB per app with the rotated one): days of a quiet <c>up</c>, minutes under a benchmark.</summary>
    public const long DefaultMaxBytes = 16L * 1024 * 1024;

    private readonly Dictionary<string, AppLogFile> _files;
    private readonly string _marker;

    private LogFiles(string directory, Dictionary<string, AppLogFile> files, string marker)
    {
        Directory = directory;
        _files = files;
        _marker = marker;
    }

    public string Directory { get; }

    public static string CurrentPath(string directory, string appId) => Path.Combine(directory, appId + Extension);

    public static string RotatedPath(string directory, string appId) => Path.Combine(directory, appId + RotatedExtension);

    /// <summary>Opens a file per app and writes the marker naming this process.</summary>
    public static LogFiles Open(string directory, IEnumerable<string> appIds, long maxBytes, TimeProvider time, Action<string> warn)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBytes, 4096);
        System.IO.Directory.CreateDirectory(directory);
        var files = new Dictionary<string, AppLogFile>(StringComparer.Ordinal);
        foreach (string appId in appIds)
        {
            files[appId] = new AppLogFile(directory, appId, maxBytes, time, warn);
        }

        string marker = Path.Combine(directory, MarkerFile);
        var info = new LauncherInfo(Environment.ProcessId, time.GetUtcNow(), [.. files.Keys]);
        File.WriteAllText(marker + ".tmp", JsonSerializer.Serialize(info, LauncherInfo.JsonOptions));
        File.Move(marker + ".tmp", marker, overwrite: true);
        return new LogFiles(directory, files, marker);
    }

    public AppLogFile For(string appId) => _files[appId];

    public void Dispose()
    {
        foreach (var file in _files.Values)
        {
            file.Dispose();
        }

        // Last, so a follower that sees the launcher gone has every line already (someone may have removed the folder).
        try
        {
            File.Delete(_marker);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}

/// <summary>What <c>launcher.json</c> says: which process writes the directory's files, since when, for which apps.</summary>
public sealed record LauncherInfo(int Pid, DateTimeOffset Started, IReadOnlyList<string> Apps)
{
    internal static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    /// <summary>The marker of <paramref name="directory"/>, or null when none is there (no launcher has it open).</summary>
    public static LauncherInfo? Read(string directory)
    {
        try
        {
            return JsonSerializer.Deserialize<LauncherInfo>(File.ReadAllText(Path.Combine(directory, LogFiles.MarkerFile)), JsonOptions);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException or JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// The launcher is still alive: its pid exists and that process started before the marker was written (a killed
    /// launcher leaves its marker behind, and its pid may since belong to another process).
    /// </summary>
    public bool IsRunning()
    {
        try
        {
            using var process = Process.GetProcessById(Pid);
            return !process.HasExited && process.StartTime.ToUniversalTime() <= Started.UtcDateTime.AddSeconds(1);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"pid {Pid}, since {Started:u}");
}
