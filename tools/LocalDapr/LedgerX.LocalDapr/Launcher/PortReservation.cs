using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace LedgerX.LocalDapr.Launcher;

/// <summary>
/// Loopback ports for servers that bind some time after they are chosen: a relocated run file names every app's and
/// sidecar's port up front, and the last app binds its own a minute later. Two things took such ports in between
/// (CI saw "address already in use" for a sidecar of the chaos system while the end-to-end system started beside it):
/// <list type="bullet">
/// <item>the operating system, for outgoing connections and for every <c>bind(0)</c>, hands out ports of its ephemeral
/// range (Linux: 32768-60999), so ports are taken from below it;</item>
/// <item>another process choosing at the same time, so each choice is held by an exclusive lock on
/// <c>$TMPDIR/ledgerx-ports/&lt;port&gt;.lock</c> for as long as this process lives (.NET takes <c>flock</c> for
/// <see cref="FileShare.None"/> on Unix, and the kernel drops it when the process dies, so nothing goes stale).</item>
/// </list>
/// </summary>
public static class PortReservation
{
    private const int First = 20000;
    private const int Count = 12000;
    private const int Attempts = 1000;

    private static readonly ConcurrentDictionary<int, FileStream> Held = new();
    private static readonly string LockDirectory = Path.Combine(Path.GetTempPath(), "ledgerx-ports");

    /// <summary>A port of 20000-31999 that binds now and that no other process using this class will be given.</summary>
    public static int Next()
    {
        Directory.CreateDirectory(LockDirectory);
        for (int attempt = 0; attempt < Attempts; attempt++)
        {
            int port = First + Random.Shared.Next(Count);
            if (Held.ContainsKey(port) || !BindsNow(port) || TryLock(port) is not { } lockFile)
            {
                continue;
            }

            if (Held.TryAdd(port, lockFile))
            {
                return port;
            }

            lockFile.Dispose();
        }

        throw new InvalidOperationException($"No free loopback port in {First}-{First + Count - 1} after {Attempts} attempts.");
    }

    private static bool BindsNow(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static FileStream? TryLock(int port)
    {
        try
        {
            return new FileStream(Path.Combine(LockDirectory, $"{port}.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            // Another process holds it.
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            // Another user's lock file in a shared temporary directory: theirs.
            return null;
        }
    }
}
