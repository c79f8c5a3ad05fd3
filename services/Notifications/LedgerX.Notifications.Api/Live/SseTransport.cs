using System.Globalization;
using System.Text;
using System.Text.Json;

namespace LedgerX.Notifications.Api.Live;

/// <summary>
/// Items as Server-Sent Events (text/event-stream): <c>id:</c> the feed id (what a browser's EventSource sends back as
/// <c>Last-Event-ID</c> when it reconnects), <c>data:</c> the JSON frame; ephemeral and control frames carry no id, so they
/// never move the resume point. A <c>: ping</c> comment every heartbeat; a server-side end is a final
/// <c>event: close</c> with <c>{"reason": ...}</c>.
/// </summary>
public sealed class SseTransport(HttpResponse response) : ILiveTransport
{
    public const string ContentType = "text/event-stream";

    public string Name => "sse";

    public CancellationToken ClientGone => response.HttpContext.RequestAborted;

    public static async Task StartAsync(HttpResponse response, int retryMs, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(response);
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = ContentType;
        response.Headers.CacheControl = "no-store";
        // nginx and similar proxies buffer responses unless told not to; an event stream must flow as written.
        response.Headers["X-Accel-Buffering"] = "no";
        await response.WriteAsync(string.Create(CultureInfo.InvariantCulture, $"retry: {retryMs}\n\n"), ct);
        await response.Body.FlushAsync(ct);
    }

    public async Task SendAsync(LiveFrame frame, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(frame);
        var text = new StringBuilder();
        if (frame.Id is { } id)
        {
            text.Append(CultureInfo.InvariantCulture, $"id: {id}\n");
        }
        // One line: the serializer escapes newlines inside strings, so the JSON never spans data: lines.
        text.Append("data: ").Append(JsonSerializer.Serialize(frame, LiveFeedItem.Json)).Append("\n\n");
        await WriteAsync(text.ToString(), ct);
    }

    public Task HeartbeatAsync(CancellationToken ct) => WriteAsync(": ping\n\n", ct);

    public Task CloseAsync(string? reason, CancellationToken ct) => reason is null
        ? Task.CompletedTask
        : WriteAsync($"event: close\ndata: {JsonSerializer.Serialize(new { reason })}\n\n", ct);

    private async Task WriteAsync(string text, CancellationToken ct)
    {
        await response.WriteAsync(text, ct);
        await response.Body.FlushAsync(ct);
    }
}
