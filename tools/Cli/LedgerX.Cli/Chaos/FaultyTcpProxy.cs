using System.Net;
using System.Net.Sockets;

namespace LedgerX.Cli.Chaos;

/// <summary>What the proxy does to the bytes it forwards; switched while connections are open.</summary>
internal enum LinkCondition
{
    Healthy,

    /// <summary>Every chunk, each way, waits <see cref="FaultyTcpProxy.Latency"/> first.</summary>
    Slow,

    /// <summary>Packet loss as TCP shows it to an application: the lost segment is retransmitted after the retransmission
    /// timeout (Linux' minimum RTO is 200 ms), so a share of the chunks arrive late, in order, never missing.</summary>
    Lossy,

    /// <summary>Nothing passes either way; connections stay open (a partition, not a refusal), new ones are accepted and hang.</summary>
    Partitioned,
}

/// <summary>
/// A TCP proxy between one service and its PostgreSQL that injects latency, loss and a partition on that one link
/// (ADR 0019, chaos: chosen over <c>tc netem</c> in a network namespace because the apps are processes of the launcher on
/// the host's loopback; moving one into a namespace would need a veth pair, addresses and routing to PostgreSQL, sidecar
/// and peers, for a fault the proxy gives on exactly the link wanted). The service's connection string names the proxy.
/// </summary>
internal sealed class FaultyTcpProxy : IAsyncDisposable
{
    public static readonly TimeSpan Latency = TimeSpan.FromMilliseconds(200);
    public static readonly TimeSpan RetransmissionTimeout = TimeSpan.FromMilliseconds(200);
    public const double LossShare = 0.2;
    private const int BufferBytes = 16 * 1024;
    private static readonly TimeSpan PartitionPoll = TimeSpan.FromMilliseconds(50);

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly IPEndPoint _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private volatile LinkCondition _condition = LinkCondition.Healthy;

    public FaultyTcpProxy(IPEndPoint target)
    {
        _target = target;
        _listener.Start();
        _accepting = AcceptAsync(_stop.Token);
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public LinkCondition Condition
    {
        get => _condition;
        set => _condition = value;
    }

    private async Task AcceptAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(stop);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = PipeAsync(client, stop);
        }
    }

    private async Task PipeAsync(TcpClient client, CancellationToken stop)
    {
        using (client)
        using (var server = new TcpClient())
        {
            try
            {
                await server.ConnectAsync(_target, stop);
                using var either = CancellationTokenSource.CreateLinkedTokenSource(stop);
                var up = CopyAsync(client.GetStream(), server.GetStream(), either.Token);
                var down = CopyAsync(server.GetStream(), client.GetStream(), either.Token);
                await Task.WhenAny(up, down);
                await either.CancelAsync();
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or IOException or ObjectDisposedException)
            {
                // One side closed or the proxy stops: both connections end, as a broken link does.
            }
        }
    }

    private async Task CopyAsync(NetworkStream from, NetworkStream to, CancellationToken ct)
    {
        var buffer = new byte[BufferBytes];
        while (true)
        {
            int read = await from.ReadAsync(buffer, ct);
            if (read == 0)
            {
                return;
            }

            while (_condition == LinkCondition.Partitioned)
            {
                await Task.Delay(PartitionPoll, ct);
            }

            switch (_condition)
            {
                case LinkCondition.Slow:
                    await Task.Delay(Latency, ct);
                    break;
                case LinkCondition.Lossy when Random.Shared.NextDouble() < LossShare:
                    await Task.Delay(RetransmissionTimeout, ct);
                    break;
            }

            await to.WriteAsync(buffer.AsMemory(0, read), ct);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
    }
}
