using System.Globalization;
using System.Net;
using System.Net.Sockets;
using LedgerX.Cli.Tests.Repository;

namespace LedgerX.Cli.Tests.DevEnv;

/// <summary>
/// devenv.sh's port probe, which decides whether `ledgerx up` gets 5432/6379 or moves to other ports. It must say what
/// PostgreSQL and Redis would find when they bind (with SO_REUSEADDR): a listener takes a port; the TIME-WAIT connections
/// a stopped server leaves behind for a minute do not.
/// </summary>
public sealed class PortProbeTests
{
    [Fact]
    public async Task APortWithOnlyTimeWaitConnections_IsFree()
    {
        var ct = TestContext.Current.CancellationToken;
        int port = await PortLeftInTimeWaitAsync(ct);

        var probe = await ProbeAsync(port, ct);

        probe.ExitCode.ShouldBe(0, $"port {port} has only TIME-WAIT connections, as just after a server stopped: {probe.Output}");
    }

    [Fact]
    public async Task APortSomeoneListensOn_IsTaken()
    {
        var ct = TestContext.Current.CancellationToken;
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();

        var probe = await ProbeAsync(((IPEndPoint)listener.LocalEndpoint).Port, ct);

        probe.ExitCode.ShouldBe(1, probe.Output);
    }

    private static Task<BashRun> ProbeAsync(int port, CancellationToken ct) =>
        Bash.RunAsync($"source tools/devenv/devenv.sh && port_is_free {port.ToString(CultureInfo.InvariantCulture)}", ct: ct);

    /// <summary>
    /// A server's side of a connection that the server closed first stays in TIME-WAIT on the server's port (about 60 s on
    /// Linux), after the server itself is gone: what a stopped PostgreSQL or Redis leaves.
    /// </summary>
    private static async Task<int> PortLeftInTimeWaitAsync(CancellationToken ct)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using (var client = new TcpClient())
        {
            await client.ConnectAsync(IPAddress.Loopback, port, ct);
            using var accepted = await listener.AcceptSocketAsync(ct);
            accepted.Shutdown(SocketShutdown.Both);
            accepted.Close();
            // The client reads the server's FIN, then closes too: the server's side moves on to TIME-WAIT.
            (await client.GetStream().ReadAsync(new byte[1], ct)).ShouldBe(0);
        }
        listener.Stop();

        // Precondition, read from the kernel's own table (/proc/net/tcp: local address, state 06 = TIME_WAIT). The states
        // change asynchronously, so it is awaited; a machine where it never shows cannot run this test.
        string localPort = $":{port:X4}";
        for (int attempt = 0; !InTimeWait(localPort); attempt++)
        {
            attempt.ShouldBeLessThan(200, $"port {port} never reached TIME-WAIT");
            await Task.Delay(50, ct);
        }
        return port;
    }

    private static bool InTimeWait(string localPort) =>
        File.ReadLines("/proc/net/tcp").Any(line =>
            line.Split(' ', StringSplitOptions.RemoveEmptyEntries) is [_, var local, _, "06", ..] && local.EndsWith(localPort, StringComparison.Ordinal));
}
