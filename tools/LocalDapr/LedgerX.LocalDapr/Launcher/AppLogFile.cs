using System.Text;

namespace LedgerX.LocalDapr.Launcher;

/// <summary>
/// One app's log file, <c>&lt;app-id&gt;.jsonl</c>: its own JSON lines as they are, its other output and its sidecar's
/// events as CLEF lines the launcher writes (<see cref="ClefEvent"/>). Size-capped: a file that would pass
/// <see cref="MaxBytes"/> is renamed to <c>&lt;app-id&gt;.1.jsonl</c> (replacing the one before) and a new one begun, so
/// a long <c>up</c> keeps at most twice the cap per app. Lines are buffered and flushed every
/// <see cref="FlushInterval"/> (a write per line cost the launcher most of its time per line under load), so a reader
/// following the file sees a line within that, and a torn line only while it is being written. A file that cannot be
/// written (disk full, directory removed) is reported once and then left alone: the console still shows every line.
/// </summary>
public sealed class AppLogFile : IDisposable
{
    /// <summary>How stale a follower's view of the file may be; short enough to read as live.</summary>
    public static readonly TimeSpan FlushInterval = TimeSpan.FromMilliseconds(100);

    private const int BufferBytes = 64 * 1024;

    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private readonly Action<string> _warn;
    private readonly ITimer _flusher;
    private FileStream _stream;
    private long _length;
    private bool _dirty;
    private bool _failed;

    internal AppLogFile(string directory, string appId, long maxBytes, TimeProvider time, Action<string> warn)
    {
        AppId = appId;
        MaxBytes = maxBytes;
        Path = LogFiles.CurrentPath(directory, appId);
        RotatedPath = LogFiles.RotatedPath(directory, appId);
        _time = time;
        _warn = warn;
        // The previous run's lines stay readable as the rotated file; this run starts a file of its own.
        if (File.Exists(Path))
        {
            File.Move(Path, RotatedPath, overwrite: true);
        }

        _stream = Open(Path);
        _flusher = time.CreateTimer(_ => Flush(), null, FlushInterval, FlushInterval);
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
            if (_failed)
            {
                return;
            }

            try
            {
                if (_length > 0 && _length + bytes.Length > MaxBytes)
                {
                    Rotate();
                }

                _stream.Write(bytes);
                _length += bytes.Length;
                _dirty = true;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                Fail(ex);
            }
        }
    }

    /// <summary>Writes what is buffered (the timer calls it; so does disposal).</summary>
    public void Flush()
    {
        lock (_gate)
        {
            if (!_dirty || _failed)
            {
                return;
            }

            try
            {
                _stream.Flush();
                _dirty = false;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                Fail(ex);
            }
        }
    }

    public void Dispose()
    {
        _flusher.Dispose();
        Flush();
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
        _length = 0;
    }

    private void Fail(Exception ex)
    {
        _failed = true;
        _warn($"app {AppId}: its log file {Path} cannot be written ({ex.Message}); its lines still show here, not in ./ledgerx logs");
    }

    // Readers (./ledgerx logs) hold the file open while the launcher writes and renames it.
    private static FileStream Open(string path) =>
        new(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, BufferBytes);
}
