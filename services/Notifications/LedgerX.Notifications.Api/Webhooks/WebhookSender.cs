using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using LedgerX.Notifications.Api.Webhooks.Persistence;
using Microsoft.Extensions.Options;

namespace LedgerX.Notifications.Api.Webhooks;

/// <summary>The outcome of one POST: the status (null when none came: timeout, refused address, reset), the error, how
/// long it took and the start of the answer.</summary>
public sealed record AttemptResult(DateTimeOffset StartedAt, int? StatusCode, string? Error, int LatencyMs, string? ResponseBody)
{
    public bool Succeeded => StatusCode is >= 200 and < 300;
}

/// <summary>
/// Sends one signed attempt through the SSRF-guarded handler: the stored body as is, <c>LedgerX-Webhook-Id</c> (the
/// delivery id, the receiver's idempotency key), <c>LedgerX-Webhook-Timestamp</c> and <c>LedgerX-Signature</c>. Anything
/// but a 2xx within the timeout is a failed attempt; the schedule, not this class, decides about retrying (so no Polly
/// retry here: one call is one logged attempt, and retries must survive restarts, which only the table does).
/// </summary>
public sealed class WebhookSender : IDisposable
{
    public const string UserAgent = "LedgerX-Webhooks/1";

    private readonly HttpClient _http;
    private readonly WebhookOptions _options;
    private readonly SigningSecrets _secrets;
    private readonly TimeProvider _clock;

    public WebhookSender(SsrfGuard guard, SigningSecrets secrets, TimeProvider clock, IOptions<WebhookOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _secrets = secrets;
        _clock = clock;
        // The timeout is enforced per attempt below, where it can be told apart from a shutdown.
        _http = new HttpClient(WebhookHttp.CreateHandler(guard, TimeSpan.FromMilliseconds(_options.ConnectTimeoutMs)))
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    public async Task<AttemptResult> SendAsync(WebhookEndpointRow endpoint, WebhookDeliveryRow delivery, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(delivery);
        var startedAt = _clock.GetUtcNow();
        var body = Encoding.UTF8.GetBytes(delivery.Payload);
        var timestamp = startedAt.ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint.Url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.TryAddWithoutValidation(WebhookSignature.IdHeader, delivery.Id.ToString());
        request.Headers.TryAddWithoutValidation(WebhookSignature.TimestampHeader, timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.TryAddWithoutValidation(WebhookSignature.SignatureHeader,
            WebhookSignature.Header(timestamp, body, _secrets.SigningAt(endpoint, startedAt)));
        request.Headers.TryAddWithoutValidation("User-Agent", UserAgent);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(_options.RequestTimeoutMs);
        var watch = Stopwatch.StartNew();
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var answer = await ReadCappedAsync(response, timeout.Token);
            var status = (int)response.StatusCode;
            return new AttemptResult(startedAt, status, status is >= 200 and < 300 ? null : $"The receiver answered {status}.",
                Elapsed(watch), answer);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return new AttemptResult(startedAt, null, $"No answer within {_options.RequestTimeoutMs} ms.", Elapsed(watch), null);
        }
        catch (HttpRequestException ex)
        {
            var reason = ex.GetBaseException() is WebhookAddressForbiddenException forbidden ? forbidden.Message : ex.GetBaseException().Message;
            return new AttemptResult(startedAt, null, reason, Elapsed(watch), null);
        }
    }

    /// <summary>At most MaxResponseBodyBytes of the answer, decoded leniently; the rest is never read.</summary>
    private async Task<string?> ReadCappedAsync(HttpResponseMessage response, CancellationToken ct)
    {
        if (_options.MaxResponseBodyBytes == 0)
        {
            return null;
        }
        await using var stream = await response.Content.ReadAsStreamAsync(ct);
        var buffer = new byte[_options.MaxResponseBodyBytes];
        var read = 0;
        while (read < buffer.Length && await stream.ReadAsync(buffer.AsMemory(read), ct) is var n and > 0)
        {
            read += n;
        }
        return read == 0 ? null : Encoding.UTF8.GetString(buffer, 0, read);
    }

    private static int Elapsed(Stopwatch watch) => (int)Math.Min(watch.ElapsedMilliseconds, int.MaxValue);

    public void Dispose() => _http.Dispose();
}
