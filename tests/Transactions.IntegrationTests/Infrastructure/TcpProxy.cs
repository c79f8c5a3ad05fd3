using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace LedgerX.Transactions.IntegrationTests.Infrastructure;

/// <summary>
/// A TCP proxy in front of PostgreSQL that a test can break the way networks break: stop forwarding the server's replies
/// (a partition: nothing, not even a close, gets through until <see cref="Thaw"/>), or cut one client connection while
/// its server side carries on (the client loses the answer to what it sent).
/// </summary>
public sealed class TcpProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly string _upstreamHost;
    private readonly int _upstreamPort;
    private readonly ConcurrentDictionary<Link, byte> _links = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private volatile TaskCompletionSource _replies = Flowing();

    private TcpProxy(string upstreamHost, int upstreamPort)
    {
        _upstreamHost = upstreamHost;
        _upstreamPort = upstreamPort;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>A proxy to the server a connection string names.</summary>
    public static TcpProxy To(string connectionString)
    {
        var server = new NpgsqlConnectionStringBuilder(connectionString);
        return new TcpProxy(server.Host!, server.Port);
    }

    /// <summary>The same connection string, through this proxy.</summary>
    public string Through(string connectionString) =>
        new NpgsqlConnectionStringBuilder(connectionString) { Host = "127.0.0.1", Port = Port }.ConnectionString;

    /// <summary>From now on nothing the server sends reaches any client (new connections included): the clients' requests
    /// still arrive and run, their answers wait in the proxy.</summary>
    public void FreezeReplies() => _replies = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Forwards again, starting with whatever waited (a close included).</summary>
    public void Thaw() => _replies.TrySetResult();

    /// <summary>Resets the client side of the connection whose server side has local port <paramref name="upstreamPort"/>
    /// (PostgreSQL's <c>pg_stat_activity.client_port</c>), leaving the server side open and its backend running.</summary>
    public void Cut(int upstreamPort)
    {
        var link = _links.Keys.Single(l => l.UpstreamPort == upstreamPort);
        link.Cut = true;
        link.Client.Client.LingerState = new LingerOption(true, 0);
        link.Client.Client.Close();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            var upstream = new TcpClient { NoDelay = true };
            client.NoDelay = true;
            try
            {
                await upstream.ConnectAsync(_upstreamHost, _upstreamPort, _stop.Token);
            }
            catch (Exception)
            {
                client.Dispose();
                upstream.Dispose();
                continue;
            }
            var link = new Link(client, upstream);
            _links[link] = 0;
            _ = PumpAsync(link, client, upstream, toClient: false);
            _ = PumpAsync(link, upstream, client, toClient: true);
        }
    }

    private async Task PumpAsync(Link link, TcpClient from, TcpClient to, bool toClient)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var read = await from.GetStream().ReadAsync(buffer, _stop.Token);
                if (toClient)
                {
                    await _replies.Task.WaitAsync(_stop.Token);
                }
                if (read == 0)
                {
                    break;
                }
                await to.GetStream().WriteAsync(buffer.AsMemory(0, read), _stop.Token);
            }
            // A close travels like data (and waits like it): the other side sees it only once it would have arrived.
            if (!link.Cut)
            {
                to.Client.Shutdown(SocketShutdown.Send);
            }
        }
        catch (Exception)
        {
            // A cut client or a closed proxy: the server side stays as it is (a cut one keeps running), the rest goes.
            if (!link.Cut)
            {
                from.Dispose();
                to.Dispose();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        Thaw();
        await _accepting;
        foreach (var link in _links.Keys)
        {
            link.Client.Dispose();
            link.Upstream.Dispose();
        }
        _stop.Dispose();
    }

    private static TaskCompletionSource Flowing()
    {
        var flowing = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        flowing.SetResult();
        return flowing;
    }

    private sealed class Link(TcpClient client, TcpClient upstream)
    {
        public TcpClient Client { get; } = client;
        public TcpClient Upstream { get; } = upstream;
        public int UpstreamPort { get; } = ((IPEndPoint)upstream.Client.LocalEndPoint!).Port;
        public volatile bool Cut;
    }
}
