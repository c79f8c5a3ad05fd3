using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace LedgerX.ServiceDefaults.Tests;

/// <summary>
/// A TCP relay in front of the test PostgreSQL that can play its outages: <see cref="CrashAsync"/> resets every open
/// connection and refuses new ones (a restart with <c>-m immediate</c>, as the pool sees it), <see cref="Recover"/>
/// listens again on the same port. <see cref="Partition"/> is the other outage, a network partition: connections stay open
/// and new ones are accepted, but nothing passes either way until <see cref="Heal"/> (what <c>db-partition-*</c> of
/// <c>./ledgerx chaos</c> does). The real server stays up for the other tests.
/// </summary>
internal sealed class OutageProxy : IAsyncDisposable
{
    private const int CopyBufferBytes = 16 * 1024;
    private static readonly TimeSpan PartitionPoll = TimeSpan.FromMilliseconds(20);
    private readonly IPEndPoint _target;
    private readonly ConcurrentDictionary<Socket, byte> _open = new();
    private TcpListener? _listener;
    private Task _accepting = Task.CompletedTask;
    private volatile bool _partitioned;

    private OutageProxy(IPEndPoint target) => _target = target;

    public int Port { get; private set; }

    public static OutageProxy Start(string host, int port)
    {
        var proxy = new OutageProxy(new IPEndPoint(IPAddress.Parse(host == "localhost" ? "127.0.0.1" : host), port));
        proxy.Listen(0);
        return proxy;
    }

    public async Task CrashAsync()
    {
        _listener?.Stop();
        await _accepting;
        foreach (var socket in _open.Keys)
        {
            socket.LingerState = new LingerOption(true, 0);
            socket.Dispose();
        }
        _open.Clear();
    }

    public void Recover() => Listen(Port);

    /// <summary>Bytes read from either side are held, not forwarded, until <see cref="Heal"/>.</summary>
    public void Partition() => _partitioned = true;

    public void Heal() => _partitioned = false;

    private void Listen(int port)
    {
        var listener = new TcpListener(IPAddress.Loopback, port);
        listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        listener.Start();
        Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        _listener = listener;
        _accepting = AcceptAsync(listener);
    }

    private async Task AcceptAsync(TcpListener listener)
    {
        while (true)
        {
            Socket client;
            try
            {
                client = await listener.AcceptSocketAsync();
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return;
            }
            var server = new Socket(SocketType.Stream, ProtocolType.Tcp);
            await server.ConnectAsync(_target);
            _open[client] = 0;
            _open[server] = 0;
            _ = PipeAsync(client, server);
            _ = PipeAsync(server, client);
        }
    }

    private async Task PipeAsync(Socket from, Socket to)
    {
        var buffer = new byte[CopyBufferBytes];
        try
        {
            int read;
            while ((read = await from.ReceiveAsync(buffer)) > 0)
            {
                while (_partitioned)
                {
                    await Task.Delay(PartitionPoll);
                }
                await to.SendAsync(buffer.AsMemory(0, read));
            }
            to.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // The outage, or the other side went away: the sockets are the crash's to close.
        }
    }

    public async ValueTask DisposeAsync() => await CrashAsync();
}
