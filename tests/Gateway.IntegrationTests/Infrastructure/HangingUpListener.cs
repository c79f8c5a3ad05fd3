using System.Net;
using System.Net.Sockets;

namespace LedgerX.Gateway.IntegrationTests.Infrastructure;

/// <summary>A TCP port that accepts, reads what arrives and closes the connection without a byte of answer.</summary>
public sealed class HangingUpListener : IAsyncDisposable
{
    private const int ReadBufferBytes = 8192;
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    private HangingUpListener(int port)
    {
        _listener = new TcpListener(IPAddress.Loopback, port);
        _listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public static HangingUpListener Start(int port) => new(port);

    private async Task AcceptAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                using var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                // Read the request's first bytes so the caller has sent it, then hang up.
                _ = await client.GetStream().ReadAsync(new byte[ReadBufferBytes], _stop.Token);
                client.Client.LingerState = new LingerOption(true, 0);
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (ObjectDisposedException)
        {
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
