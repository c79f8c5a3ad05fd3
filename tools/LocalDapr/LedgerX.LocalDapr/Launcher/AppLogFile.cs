using System.Text;

namespace LedgerX.LocalDapr.Launcher;

/// <summary>
/// One app's log file, <c>&lt;app-id&gt;.jsonl</c>: its own JSON lines as they are, its other output and its sidecar's
/// events as CLEF lines the launcher writes (<see cref="ClefEvent"/>). Size-capped: a file that would pass
/// <see cref="MaxBytes"/> is renamed to <c>&lt;app-id&gt;.1.jsonl</c> (replacing the one before) and a new one begun, so
/// a long <c>up</c> keeps at most twice the cap per app. Lines are written whole and flushed one by one, so a reader
/// following the file never waits on a buffer, and sees a torn line only while it is being written.
/// </summary>
public sealed class AppLogFile : IDisposable
{
    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private FileStream _stream;

    internal AppLogFile(string directory, string appId, long maxBytes, TimeProvider time)
    {
        AppId = appId;
        MaxBytes = maxBytes;
        Path = LogFiles.CurrentPath(directory, appId);
        RotatedPath = LogFiles.RotatedPath(directory, appId);
        _time = time;
        // The previous run's lines stay readable as the rotated file; this run starts a file of its own.
        if (File.Exists(Path))
        {
            File.Move(Path, RotatedPath, overwrite: true);
        }

        _stream = Open(Path);
    }

    public string AppId { get; }

    public string Path { get; }

    public string RotatedPath { get; }

    public long MaxBytes { get; }

    /// <summary>
    /// Records a line the app printed and returns what the console shows for it: a JSON event rendered readable, any
    /// other line as it is.
    /// </summary>
    public IEnumerable<string> AppLine(string line, bool stderr)
    {
        if (ClefEvent.TryParse(line) is { } parsed)
        {
            Append(parsed.Json);
            return parsed.Render();
        }

        Append(ClefEvent.FromPlainLine(_time.GetUtcNow(), line, stderr).Json);
        return [line];
    }

    /// <summary>Appends one CLEF line (without its newline).</summary>
    public void Append(string json)
    {
        // One line per event even if a writer let a newline through: a reader splits on newlines.
        byte[] bytes = Encoding.UTF8.GetBytes(json.Contains('\n', StringComparison.Ordinal) ? json.ReplaceLineEndings(" ") + "\n" : json + "\n");
        lock (_gate)
        {
            if (_stream.Length > 0 && _stream.Length + bytes.Length > MaxBytes)
            {
                Rotate();
            }

            _stream.Write(bytes);
            _stream.Flush();
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _stream.Dispose();
        }
    }

    private void Rotate()
    {
        _stream.Dispose();
        File.Move(Path, RotatedPath, overwrite: true);
        _stream = Open(Path);
    }

    // Readers (./ledgerx logs) hold the file open while the launcher writes and renames it.
    private static FileStream Open(string path) =>
        new(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
}
