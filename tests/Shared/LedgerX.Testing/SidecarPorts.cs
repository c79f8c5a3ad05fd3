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
    /// <summary>
    /// A port the operating system just handed out and took back: free now but not reserved, so another process could
    /// take it before the server binds; among thousands of ephemeral ports that is rare enough for tests.
    /// </summary>
    public static int Next() => MultiAppRunner.FreePort();
}
