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
    /// <summary>A port reserved for this test process: below the ephemeral range and locked against other processes.</summary>
    public static int Next() => PortReservation.Next();
}
