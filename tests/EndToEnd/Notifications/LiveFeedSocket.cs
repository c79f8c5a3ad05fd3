using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;

namespace LedgerX.EndToEnd.Tests.Notifications;

/// <summary>
/// A browser's live feed as docs/api/live.md describes it: a single-use ticket from <c>POST /api/v1/live/tickets</c>, then
/// <c>ws://gateway/api/v1/live/ws?ticket=…</c> (a browser cannot set Authorization on a WebSocket). Every text frame is
/// kept, parsed, for the test to look through.
/// </summary>
public sealed class LiveFeedSocket : IAsyncDisposable
{
    public const string ReadyKind = "live.ready";

    private readonly ClientWebSocket _socket;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<JsonObject> _frames = new();
    private readonly Task _reading;

    private LiveFeedSocket(ClientWebSocket socket)
    {
        _socket = socket;
        _reading = ReadAsync();
    }

    public IReadOnlyList<JsonObject> Frames => [.. _frames];

    /// <summary>Why reading stopped, if it did (a close from the server, an aborted connection).</summary>
    public string? Ended { get; private set; }

    /// <summary>Opens the caller's feed through the gateway and waits for <c>live.ready</c>: from then on items are live.</summary>
    public static async Task<LiveFeedSocket> OpenAsync(LedgerXSystem system, Caller caller)
    {
        var ticket = await system.Ledger.SendOkAsync(caller, HttpMethod.Post, "/api/v1/live/tickets", null, HttpStatusCode.Created);
        var uri = new UriBuilder(new Uri(system.Gateway, "/api/v1/live/ws")) { Scheme = "ws", Query = "ticket=" + Uri.EscapeDataString(ticket["ticket"]!.GetValue<string>()) }.Uri;
        var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            try
            {
                await socket.ConnectAsync(uri, timeout.Token);
            }
            catch (WebSocketException e)
            {
                var status = socket.HttpStatusCode;
                socket.Dispose();
                throw new InvalidOperationException($"the live WebSocket handshake through the gateway was refused with {(int)status}", e);
            }
        }

        var feed = new LiveFeedSocket(socket);
        await feed.WaitForAsync(f => f["kind"]?.GetValue<string>() == ReadyKind, "live.ready");
        return feed;
    }

    /// <summary>The frames matching <paramref name="match"/> once one has arrived (polled until a generous deadline).</summary>
    public async Task<IReadOnlyList<JsonObject>> WaitForAsync(Func<JsonObject, bool> match, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTimeOffset.UtcNow + (timeout ?? TimeSpan.FromSeconds(90));
        while (true)
        {
            var found = Frames.Where(match).ToList();
            if (found.Count > 0)
            {
                return found;
            }

            if (DateTimeOffset.UtcNow > deadline || Ended is not null)
            {
                throw new TimeoutException($"no live frame {what} (stream ended: {Ended ?? "no"}); frames: {string.Join(" | ", Frames.Select(f => f.ToJsonString()))}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100));
        }
    }

    private async Task ReadAsync()
    {
        byte[] buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                using var message = new MemoryStream();
                ValueWebSocketReceiveResult result;
                do
                {
                    result = await _socket.ReceiveAsync(buffer.AsMemory(), _stop.Token);
                    message.Write(buffer, 0, result.Count);
                }
                while (!result.EndOfMessage);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    Ended = $"closed {_socket.CloseStatus} {_socket.CloseStatusDescription}";
                    return;
                }

                _frames.Enqueue(JsonNode.Parse(Encoding.UTF8.GetString(message.ToArray()))!.AsObject());
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
            Ended = "aborted: " + e.GetType().Name;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_socket.State == WebSocketState.Open)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", timeout.Token);
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException)
            {
                // Already going.
            }
        }

        await _stop.CancelAsync();
        await _reading.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _socket.Dispose();
        _stop.Dispose();
    }
}
