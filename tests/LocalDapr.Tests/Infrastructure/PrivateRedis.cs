using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace LedgerX.LocalDapr.Tests.Infrastructure;

/// <summary>
/// A redis-server of the test's own (a free port, no persistence, as devenv runs it), so that a test can restart it
/// without taking Redis away from the tests running beside it.
/// </summary>
public sealed class PrivateRedis : IAsyncDisposable
{
    private static readonly TimeSpan StartDeadline = TimeSpan.FromSeconds(20);
    private Process? _server;

    private PrivateRedis(int port) => Port = port;

    public int Port { get; }

    public string Address => $"127.0.0.1:{Port}";

    public static async Task<PrivateRedis> StartAsync()
    {
        var port = LedgerX.LocalDapr.Launcher.PortReservation.Next();
        var redis = new PrivateRedis(port);
        await redis.LaunchAsync();
        return redis;
    }

    /// <summary>Killed (SIGKILL: no save, connections reset) and started again on the same port, empty.</summary>
    public async Task RestartAsync()
    {
        await KillAsync();
        await LaunchAsync();
    }

    private async Task LaunchAsync()
    {
        var binary = File.Exists("/usr/bin/redis-server") ? "/usr/bin/redis-server" : "redis-server";
        _server = Process.Start(new ProcessStartInfo(binary)
        {
            ArgumentList = { "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no" },
            RedirectStandardOutput = true,
            UseShellExecute = false,
        }) ?? throw new InvalidOperationException("redis-server did not start");
        _server.OutputDataReceived += (_, _) => { };
        _server.BeginOutputReadLine();
        var deadline = Stopwatch.StartNew();
        while (!await AnswersAsync())
        {
            if (deadline.Elapsed > StartDeadline || _server.HasExited)
            {
                throw new InvalidOperationException($"redis-server on {Address} does not answer PING");
            }
            await Task.Delay(50);
        }
    }

    private async Task<bool> AnswersAsync()
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, Port);
            var stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray());
            var buffer = new byte[16];
            var read = await stream.ReadAsync(buffer);
            return System.Text.Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private async Task KillAsync()
    {
        if (_server is { HasExited: false } server)
        {
            server.Kill();
            await server.WaitForExitAsync();
        }
        _server?.Dispose();
        _server = null;
    }

    public async ValueTask DisposeAsync() => await KillAsync();
}
