using System.Net.WebSockets;
using System.Text.Json;

namespace LedgerX.Notifications.Api.Live;

/// <summary>
/// Items as JSON text frames. The client has nothing to say (it may only close): a receive loop answers its close and
/// refuses anything larger than <c>MaxClientMessageBytes</c>. A server-side close is 1008 (policy violation) with the
/// reason (<c>slow_consumer</c>, <c>token_expired</c>), or 1001 on shutdown.
/// </summary>
public sealed class WebSocketTransport : ILiveTransport, IDisposable
{
    private readonly WebSocket _socket;
    private readonly int _maxClientMessageBytes;
    private readonly CancellationTokenSource _clientGone = new();
    private readonly Task _receiving;

    public WebSocketTransport(WebSocket socket, int maxClientMessageBytes, CancellationToken aborted)
    {
        _socket = socket;
        _maxClientMessageBytes = maxClientMessageBytes;
        _receiving = ReceiveAsync(aborted);
    }

    public string Name => "websocket";

    public CancellationToken ClientGone => _clientGone.Token;

    /// <summary>Whether the client sent a message over the limit (the socket is closed with 1009 then).</summary>
    public bool ClientMessageTooBig { get; private set; }

    public Task SendAsync(LiveFrame frame, CancellationToken ct) =>
        _socket.SendAsync(JsonSerializer.SerializeToUtf8Bytes(frame, LiveFeedItem.Json), WebSocketMessageType.Text, endOfMessage: true, ct);

    /// <summary>The socket's own keep-alive (<c>KeepAliveInterval</c>) pings; nothing to add.</summary>
    public Task HeartbeatAsync(CancellationToken ct) => Task.CompletedTask;

    public async Task CloseAsync(string? reason, CancellationToken ct)
    {
        if (_socket.State is not (WebSocketState.Open or WebSocketState.CloseReceived))
        {
            return;
        }
        var (status, text) = ClientMessageTooBig ? (WebSocketCloseStatus.MessageTooBig, "message_too_big")
            : reason is null ? (WebSocketCloseStatus.NormalClosure, "")
            : reason == LiveCloseReasons.ServerShutdown ? (WebSocketCloseStatus.EndpointUnavailable, reason)
            : (WebSocketCloseStatus.PolicyViolation, reason);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        await _socket.CloseAsync(status, text, timeout.Token);
        await _receiving.WaitAsync(TimeSpan.FromSeconds(5), ct).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private async Task ReceiveAsync(CancellationToken ct)
    {
        var buffer = new byte[_maxClientMessageBytes];
        try
        {
            while (true)
            {
                var total = 0;
                ValueWebSocketReceiveResult result;
                do
                {
                    if (total == buffer.Length)
                    {
                        ClientMessageTooBig = true;
                        return;
                    }
                    result = await _socket.ReceiveAsync(buffer.AsMemory(total), ct);
                    total += result.Count;
                }
                while (!result.EndOfMessage);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }
                // Anything else the client sends is ignored: the feed is one-way.
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
            // The client is gone.
        }
        finally
        {
            await _clientGone.CancelAsync();
        }
    }

    public void Dispose() => _clientGone.Dispose();
}
