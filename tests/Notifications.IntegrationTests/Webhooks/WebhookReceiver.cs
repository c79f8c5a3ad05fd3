using System.Collections.Concurrent;
using System.Net;
using LedgerX.Notifications.Api.Webhooks;
using LedgerX.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace LedgerX.Notifications.IntegrationTests.Webhooks;

/// <summary>One request as the receiver saw it: whether its signature verified, and whether it was processed (its
/// <c>LedgerX-Webhook-Id</c> new) or recognised as a repeat.</summary>
public sealed record ReceivedWebhook(string Id, string Body, string? Signature, bool SignatureValid, bool Processed, int AnsweredStatus);

/// <summary>
/// A customer's webhook receiver as docs/api/webhooks.md tells one to write it, on real Kestrel: it verifies the
/// signature with the secret(s) it holds (refusing a bad one with 400), processes each <c>LedgerX-Webhook-Id</c> once and
/// answers a repeat 200 without processing it. A test scripts failures (<see cref="FailNext"/>) and a hang
/// (<see cref="HangNext"/>: the request is processed but never answered, as when the sender dies mid-request).
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ReceivedWebhook> _received = new();
    private readonly ConcurrentDictionary<string, byte> _processed = new();
    private readonly SemaphoreSlim _arrived = new(0);
    private readonly TaskCompletionSource _releaseHung = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _failuresLeft;
    private int _failStatus = 500;
    private int _hangsLeft;

    private WebhookReceiver(WebApplication app, int port)
    {
        _app = app;
        Url = $"http://127.0.0.1:{port}/hooks/ledgerx";
    }

    public string Url { get; }

    /// <summary>The secrets it accepts (a rotation adds the new one).</summary>
    public ConcurrentBag<string> Secrets { get; } = [];

    public IReadOnlyList<ReceivedWebhook> Received => [.. _received];

    /// <summary>Ids processed once each: what the customer's system acted on.</summary>
    public IReadOnlyCollection<string> ProcessedIds => [.. _processed.Keys];

    public static async Task<WebhookReceiver> StartAsync()
    {
        var port = FreePorts.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        var receiver = new WebhookReceiver(app, port);
        app.MapPost("/hooks/ledgerx", (Func<HttpContext, Task<IResult>>)receiver.HandleAsync);
        await app.StartAsync();
        return receiver;
    }

    /// <summary>The next <paramref name="count"/> signed requests are answered <paramref name="status"/> (after verifying, before processing).</summary>
    public void FailNext(int count, int status = 500)
    {
        _failStatus = status;
        Volatile.Write(ref _failuresLeft, count);
    }

    /// <summary>The next request is processed and then never answered until the receiver is disposed.</summary>
    public void HangNext() => Volatile.Write(ref _hangsLeft, 1);

    private async Task<IResult> HandleAsync(HttpContext context)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
        var body = buffer.ToArray();
        var id = context.Request.Headers[WebhookSignature.IdHeader].ToString();
        var signature = context.Request.Headers[WebhookSignature.SignatureHeader].ToString();
        var valid = Secrets.Any(s => WebhookSignature.Verify(signature, body, s, DateTimeOffset.UtcNow, WebhookSignature.DefaultTolerance));
        var text = System.Text.Encoding.UTF8.GetString(body);
        if (!valid)
        {
            return Record(new ReceivedWebhook(id, text, signature, false, false, 400));
        }
        if (Interlocked.Decrement(ref _failuresLeft) >= 0)
        {
            return Record(new ReceivedWebhook(id, text, signature, true, false, _failStatus));
        }
        var processed = _processed.TryAdd(id, 0);
        if (processed && Interlocked.Decrement(ref _hangsLeft) >= 0)
        {
            Record(new ReceivedWebhook(id, text, signature, true, true, 0));
            // Acted on, but the answer never leaves: the sender times out or dies waiting.
            await _releaseHung.Task.WaitAsync(context.RequestAborted);
            return Results.StatusCode(StatusCodes.Status200OK);
        }
        return Record(new ReceivedWebhook(id, text, signature, true, processed, 200));
    }

    private IResult Record(ReceivedWebhook received)
    {
        _received.Enqueue(received);
        _arrived.Release();
        return received.AnsweredStatus == 0 ? Results.Empty : Results.StatusCode(received.AnsweredStatus);
    }

    /// <summary>Waits (polling the record, with a deadline) until <paramref name="count"/> requests match.</summary>
    public async Task<IReadOnlyList<ReceivedWebhook>> WaitForAsync(Func<ReceivedWebhook, bool> match, int count = 1, TimeSpan? timeout = null)
    {
        var deadline = DateTimeOffset.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            var matching = Received.Where(match).ToList();
            if (matching.Count >= count)
            {
                return matching;
            }
            var left = deadline - DateTimeOffset.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                throw new TimeoutException($"Expected {count} matching webhooks, got {matching.Count} of {Received.Count}.");
            }
            await _arrived.WaitAsync(left < TimeSpan.FromSeconds(1) ? left : TimeSpan.FromSeconds(1));
        }
    }

    public async ValueTask DisposeAsync()
    {
        _releaseHung.TrySetResult();
        await _app.DisposeAsync();
        _arrived.Dispose();
    }
}
