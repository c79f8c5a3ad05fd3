using LedgerX.LocalDapr.Launcher;

namespace LedgerX.Testing;

/// <summary>The ports a sidecar will listen on, reserved before the app starts so the app can be told.</summary>
public sealed record SidecarPorts(int Http, int Grpc)
{
    public static SidecarPorts Free() => new(FreePorts.Next(), FreePorts.Next());
}

/// <summary>Loopback ports for servers that must be named before they start (a sidecar its app is told about).</summary>
public static class FreePorts
{
    // Below Linux's ephemeral range (32768-60999): the operating system never hands these to outgoing connections, and
    // the test run makes many (the end-to-end system alone keeps hundreds open), which is how a port that was free a
    // moment ago got taken before a fixture bound it.
    private const int First = 20000;
    private const int Count = 12000;

    /// <summary>
    /// A random port of 20000-31999 that binds now. Free but not reserved: another test process could pick the same one
    /// before the server binds, one chance in thousands per pick.
    /// </summary>
    public static int Next()
    {
        for (int attempt = 0; attempt < 100; attempt++)
        {
            int port = First + Random.Shared.Next(Count);
            try
            {
                using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (System.Net.Sockets.SocketException)
            {
                // Taken: try another.
            }
        }
        return MultiAppRunner.FreePort();
    }
}
