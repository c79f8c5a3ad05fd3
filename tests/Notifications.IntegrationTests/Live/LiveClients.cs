using System.Net;
using System.Net.Http.Headers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using LedgerX.Notifications.Api.Live;

namespace LedgerX.Notifications.IntegrationTests.Live;

/// <summary>A message a live client received: a data frame (JSON), or the end of the stream with the server's reason.</summary>
public sealed record LiveMessage(JsonObject? Frame, string? SseId, string? CloseReason, WebSocketCloseStatus? CloseStatus)
{
    public string? Kind => Frame?["kind"]?.GetValue<string>();

    public long? Id => Frame?["id"]?.GetValue<long>();

    public bool IsEnd => Frame is null;
}

/// <summary>What both clients share: messages in arrival order, read with a deadline (a loaded machine is slow, not wrong).</summary>
public abstract class LiveClient : IAsyncDisposable
{
    protected Channel<LiveMessage> Messages { get; } = Channel.CreateUnbounded<LiveMessage>();

    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    public async Task<LiveMessage> NextAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? Patience);
        try
        {
            return await Messages.Reader.ReadAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new Xunit.Sdk.XunitException($"No live message within {(timeout ?? Patience).TotalSeconds} s.");
        }
        catch (ChannelClosedException)
        {
            throw new Xunit.Sdk.XunitException("The live stream ended without a close message.");
        }
    }

    /// <summary>Skips to the <c>live.ready</c> frame (after any replay), returning what came before it.</summary>
    public async Task<List<LiveMessage>> UntilReadyAsync()
    {
        var before = new List<LiveMessage>();
        while (true)
        {
            var message = await NextAsync();
            if (message.Kind == LiveSession.Ready)
            {
                return before;
            }
            if (message.IsEnd)
            {
                throw new Xunit.Sdk.XunitException($"The stream ended ({message.CloseReason}) before it was ready.");
            }
            before.Add(message);
        }
    }

    /// <summary>True when no message arrives within <paramref name="window"/>: for "never another user's" (a positive
    /// item sent after it proves the stream is flowing, so the window only has to outlast that item).</summary>
    public bool HasNothingQueued() => !Messages.Reader.TryPeek(out _);

    public abstract ValueTask DisposeAsync();
}

/// <summary>A WebSocket client of <c>/api/v1/live/ws</c>.</summary>
public sealed class LiveWebSocket : LiveClient
{
    private readonly ClientWebSocket _socket;
    private readonly CancellationTokenSource _stop = new();
    private Task _reading = Task.CompletedTask;

    private LiveWebSocket(ClientWebSocket socket) => _socket = socket;

    public HttpStatusCode HandshakeStatus => _socket.HttpStatusCode;

    /// <summary>Connects; a refused handshake throws <see cref="LiveHandshakeRefused"/> with the status.</summary>
    public static async Task<LiveWebSocket> ConnectAsync(Uri uri, AuthenticationHeaderValue? bearer, bool read = true)
    {
        var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        if (bearer is not null)
        {
            socket.Options.SetRequestHeader("Authorization", bearer.ToString());
        }
        try
        {
            using var timeout = new CancellationTokenSource(Patience);
            await socket.ConnectAsync(uri, timeout.Token);
        }
        catch (WebSocketException)
        {
            var status = socket.HttpStatusCode;
            var headers = socket.HttpResponseHeaders;
            socket.Dispose();
            throw new LiveHandshakeRefused(status, headers);
        }
        var client = new LiveWebSocket(socket);
        if (read)
        {
            client.StartReading();
        }
        return client;
    }

    /// <summary>Starts reading (a slow-consumer test connects without reading first).</summary>
    public void StartReading() => _reading = ReadAsync();

    private async Task ReadAsync()
    {
        var buffer = new byte[1 << 20];
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
                    await Messages.Writer.WriteAsync(new LiveMessage(null, null, _socket.CloseStatusDescription, _socket.CloseStatus));
                    return;
                }
                var frame = JsonNode.Parse(Encoding.UTF8.GetString(message.ToArray()))!.AsObject();
                await Messages.Writer.WriteAsync(new LiveMessage(frame, null, null, null));
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
            await Messages.Writer.WriteAsync(new LiveMessage(null, null, "aborted:" + ex.GetType().Name, null));
        }
        finally
        {
            Messages.Writer.TryComplete();
        }
    }

    public override async ValueTask DisposeAsync()
    {
        if (_socket.State == WebSocketState.Open)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", timeout.Token);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
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

/// <summary>A handshake the server answered with something other than 101.</summary>
public sealed class LiveHandshakeRefused(HttpStatusCode status, IReadOnlyDictionary<string, IEnumerable<string>>? headers)
    : Exception($"WebSocket handshake refused with {(int)status}")
{
    public HttpStatusCode Status { get; } = status;

    public IReadOnlyDictionary<string, IEnumerable<string>>? Headers { get; } = headers;
}

/// <summary>A Server-Sent Events client of <c>/api/v1/live/events</c>, parsing the stream as EventSource does.</summary>
public sealed class LiveEventStream : LiveClient
{
    private readonly HttpClient _http;
    private readonly HttpResponseMessage _response;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _reading;

    private LiveEventStream(HttpClient http, HttpResponseMessage response)
    {
        _http = http;
        _response = response;
        _reading = ReadAsync();
    }

    /// <summary>Opens the stream; a refusal returns the response instead (status and problem to assert on).</summary>
    public static async Task<(LiveEventStream? Stream, HttpResponseMessage Response)> OpenAsync(
        Uri baseAddress, AuthenticationHeaderValue? bearer, string? lastEventId = null, string query = "")
    {
        var http = new HttpClient { BaseAddress = baseAddress, Timeout = Timeout.InfiniteTimeSpan };
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/live/events{query}");
        request.Headers.Authorization = bearer;
        request.Headers.Accept.ParseAdd("text/event-stream");
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }
        using var timeout = new CancellationTokenSource(Patience);
        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            http.Dispose();
            return (null, response);
        }
        return (new LiveEventStream(http, response), response);
    }

    private async Task ReadAsync()
    {
        try
        {
            using var reader = new StreamReader(await _response.Content.ReadAsStreamAsync(_stop.Token));
            string? id = null, eventName = null;
            var data = new StringBuilder();
            while (await reader.ReadLineAsync(_stop.Token) is { } line)
            {
                if (line.Length == 0)
                {
                    if (data.Length > 0)
                    {
                        var json = JsonNode.Parse(data.ToString())!.AsObject();
                        await Messages.Writer.WriteAsync(eventName == "close"
                            ? new LiveMessage(null, null, json["reason"]!.GetValue<string>(), null)
                            : new LiveMessage(json, id, null, null));
                    }
                    id = eventName = null;
                    data.Clear();
                }
                else if (line.StartsWith("id: ", StringComparison.Ordinal))
                {
                    id = line[4..];
                }
                else if (line.StartsWith("event: ", StringComparison.Ordinal))
                {
                    eventName = line[7..];
                }
                else if (line.StartsWith("data: ", StringComparison.Ordinal))
                {
                    data.Append(line[6..]);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or HttpRequestException)
        {
            // Ended by the test or the server.
        }
        finally
        {
            Messages.Writer.TryComplete();
        }
    }

    public override async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _reading.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _response.Dispose();
        _http.Dispose();
        _stop.Dispose();
    }
}
