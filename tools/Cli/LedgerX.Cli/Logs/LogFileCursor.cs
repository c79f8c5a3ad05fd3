using System.Text;

namespace LedgerX.Cli.Logs;

/// <summary>
/// Reads an app's current log file (<c>&lt;app-id&gt;.jsonl</c>) as it grows, line by line, across the launcher's
/// rotations: the file is held open, so when the launcher renames it to <c>.1.jsonl</c> the lines written before the
/// rename are still read to the end, then the new file is read from its start. A rotation is recognised by the path's
/// file no longer beginning with the bytes the held one begins with (or being shorter than what was read). A line is
/// returned only once its newline is written, so a line being written is never read torn.
/// </summary>
internal sealed class LogFileCursor : IDisposable
{
    /// <summary>Enough of a first line (its timestamp comes first) to tell two files apart.</summary>
    private const int IdentityBytes = 64;

    private readonly MemoryStream _partial = new();
    private FileStream? _stream;
    private byte[] _identity = [];

    public LogFileCursor(string path) => Path = path;

    public string Path { get; }

    /// <summary>The complete lines written since the last call (all of them on the first).</summary>
    public List<string> ReadLines()
    {
        var lines = new List<string>();
        for (int turn = 0; turn < 2; turn++)
        {
            if (_stream is null && !TryOpen())
            {
                return lines;
            }

            ReadAvailable(lines);
            if (!Rotated())
            {
                return lines;
            }

            // Drained above; the next turn starts on the new file.
            Close();
        }

        return lines;
    }

    public void Dispose() => Close();

    private bool TryOpen()
    {
        try
        {
            _stream = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            return true;
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return false;
        }
    }

    private void ReadAvailable(List<string> lines)
    {
        var buffer = new byte[64 * 1024];
        int read;
        while ((read = _stream!.Read(buffer)) > 0)
        {
            int start = 0;
            for (int i = 0; i < read; i++)
            {
                if (buffer[i] != (byte)'\n')
                {
                    continue;
                }

                _partial.Write(buffer, start, i - start);
                if (_partial.Length > 0)
                {
                    lines.Add(Encoding.UTF8.GetString(_partial.GetBuffer(), 0, (int)_partial.Length));
                }

                _partial.SetLength(0);
                start = i + 1;
            }

            _partial.Write(buffer, start, read - start);
        }

        if (_identity.Length < IdentityBytes && _stream.Length > _identity.Length)
        {
            _identity = Head(_stream, IdentityBytes);
        }
    }

    private bool Rotated()
    {
        FileStream current;
        try
        {
            current = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            // Between the rename and the new file's creation: the next read sees the new file.
            return false;
        }

        using (current)
        {
            if (current.Length < _stream!.Position)
            {
                return true;
            }

            byte[] head = Head(current, _identity.Length);
            return !head.AsSpan().SequenceEqual(_identity.AsSpan(0, head.Length));
        }
    }

    private static byte[] Head(FileStream stream, int count)
    {
        var head = new byte[(int)Math.Min(count, stream.Length)];
        int read = RandomAccess.Read(stream.SafeFileHandle, head, 0);
        return head[..read];
    }

    private void Close()
    {
        _stream?.Dispose();
        _stream = null;
        _identity = [];
        _partial.SetLength(0);
    }
}
