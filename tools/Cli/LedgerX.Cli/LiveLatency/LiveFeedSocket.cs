using System.Diagnostics;
using System.Net.Http.Json;
using System.Net.WebSockets;
using LedgerX.Cli.Common;

namespace LedgerX.Cli.LiveLatency;

/// <summary>
/// The customer's live feed through the gateway, opened the way a browser opens it (docs/api/live.md): a single-use
/// ticket from <c>POST /api/v1/live/tickets</c>, then <c>GET /api/v1/live/ws?ticket=</c>. Each frame's arrival is
/// stamped the moment its last byte is read, before it is parsed, and handed to whichever matcher is current.
/// </summary>
internal sealed class LiveFeedSocket : IAsyncDisposable
{
    private readonly ClientWebSocket _socket = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task _reading = Task.CompletedTask;
    private volatile LatencyMatcher _matcher;

    private LiveFeedSocket(LatencyMatcher matcher) => _matcher = matcher;

    /// <summary>Why the server closed the connection (e.g. <c>slow_consumer</c>), or the read error; null while open.</summary>
    public string? ClosedBecause { get; private set; }

    /// <summary>From now on frames go to <paramref name="matcher"/> (the warm-up's frames stay with the warm-up).</summary>
    public void MatchWith(LatencyMatcher matcher) => _matcher = matcher;

    public static async Task<LiveFeedSocket> OpenAsync(HttpClient http, Uri gateway, string token, LatencyMatcher matcher, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, ServiceUrls.Api(gateway, "api/v1/live/tickets"));
        request.Headers.Authorization = new("Bearer", token);
        using var response = await http.SendAsync(request, ct);
        if (!response.IsSuccessStatusCode)
        {
            throw new LiveLatencyException($"POST /api/v1/live/tickets answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(ct)}");
        }
        var ticket = (await response.Content.ReadFromJsonAsync<TicketResponse>(ct))?.Ticket
                     ?? throw new LiveLatencyException("POST /api/v1/live/tickets returned no ticket.");

        var feed = new LiveFeedSocket(matcher);
        var url = new UriBuilder(ServiceUrls.Api(gateway, "api/v1/live/ws"))
        {
            Scheme = gateway.Scheme == Uri.UriSchemeHttps ? "wss" : "ws",
            Query = "ticket=" + Uri.EscapeDataString(ticket),
        }.Uri;
        try
        {
            await feed._socket.ConnectAsync(url, ct);
        }
        catch (WebSocketException ex)
        {
            await feed.DisposeAsync();
            throw new LiveLatencyException($"the WebSocket {url.GetLeftPart(UriPartial.Path)} did not open: {ex.Message}");
        }
        feed._reading = feed.ReadAsync();
        return feed;
    }

    /// <summary>Completes at the server's <c>live.ready</c>: from then on every item is pushed live.</summary>
    public Task Ready => _ready.Task;

    private async Task ReadAsync()
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var length = 0;
                ValueWebSocketReceiveResult result;
                do
                {
                    if (length == buffer.Length)
                    {
                        Array.Resize(ref buffer, buffer.Length * 2);
                    }
                    result = await _socket.ReceiveAsync(buffer.AsMemory(length), _stop.Token);
                    length += result.Count;
                }
                while (!result.EndOfMessage);
                var receivedAt = Stopwatch.GetTimestamp();
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    ClosedBecause = $"server closed the WebSocket: {_socket.CloseStatus} {_socket.CloseStatusDescription}";
                    _ready.TrySetException(new LiveLatencyException(ClosedBecause));
                    return;
                }
                if (LiveFrame.Parse(buffer.AsSpan(0, length)) is not { } frame)
                {
                    continue;
                }
                if (frame.Kind == LiveFrame.Ready)
                {
                    _ready.TrySetResult();
                }
                else if (frame.EntryId is { } entryId)
                {
                    _matcher.Frame(entryId, receivedAt);
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        catch (WebSocketException ex)
        {
            ClosedBecause = $"the WebSocket broke: {ex.Message}";
            _ready.TrySetException(new LiveLatencyException(ClosedBecause));
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_socket.State == WebSocketState.Open)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "done", timeout.Token);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
            {
                // The run is over either way; a close the server never acknowledges changes no result.
            }
        }
        await _stop.CancelAsync();
        await _reading;
        _socket.Dispose();
        _stop.Dispose();
    }

    private sealed record TicketResponse(string Ticket);
}

/// <summary>The run could not be set up or measured; the message says what and why.</summary>
internal sealed class LiveLatencyException(string message) : Exception(message);
