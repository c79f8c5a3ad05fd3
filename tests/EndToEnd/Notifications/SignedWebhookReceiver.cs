using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using LedgerX.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace LedgerX.EndToEnd.Tests.Notifications;

/// <summary>One request a receiver got: its delivery id, raw body and whether the signature verified.</summary>
public sealed record WebhookRequest(string DeliveryId, string Body, bool SignatureValid)
{
    public JsonObject Json => JsonNode.Parse(Body)!.AsObject();
}

/// <summary>
/// A customer's webhook receiver on real Kestrel, written from docs/api/webhooks.md alone (no LedgerX code): it checks
/// <c>LedgerX-Signature</c> (HMAC-SHA256 keyed with the secret returned once at registration, over <c>t.</c> and the
/// raw body, timestamp within 5 minutes) and answers 200, or 400 to a request that does not verify.
/// </summary>
public sealed class SignedWebhookReceiver : IAsyncDisposable
{
    private const string SignatureHeader = "LedgerX-Signature";
    private const string IdHeader = "LedgerX-Webhook-Id";
    private static readonly TimeSpan Tolerance = TimeSpan.FromMinutes(5);

    private readonly WebApplication _app;
    private readonly ConcurrentQueue<WebhookRequest> _received = new();

    private SignedWebhookReceiver(WebApplication app, int port)
    {
        _app = app;
        Url = $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/hooks/ledgerx";
    }

    public string Url { get; }

    /// <summary>The endpoint's signing secret, known once the registration returned it.</summary>
    public string Secret { get; set; } = "";

    public IReadOnlyList<WebhookRequest> Received => [.. _received];

    public static async Task<SignedWebhookReceiver> StartAsync()
    {
        int port = FreePorts.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        var receiver = new SignedWebhookReceiver(app, port);
        app.MapPost("/hooks/ledgerx", (Func<HttpContext, Task<IResult>>)receiver.HandleAsync);
        await app.StartAsync();
        return receiver;
    }

    private async Task<IResult> HandleAsync(HttpContext context)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
        byte[] body = buffer.ToArray();
        bool valid = Verifies(context.Request.Headers[SignatureHeader].ToString(), body, Secret, DateTimeOffset.UtcNow);
        _received.Enqueue(new WebhookRequest(context.Request.Headers[IdHeader].ToString(), Encoding.UTF8.GetString(body), valid));
        return Results.StatusCode(valid ? StatusCodes.Status200OK : StatusCodes.Status400BadRequest);
    }

    /// <summary>The verification docs/api/webhooks.md gives customers.</summary>
    private static bool Verifies(string header, byte[] body, string secret, DateTimeOffset now)
    {
        long? t = null;
        var candidates = new List<string>();
        foreach (string part in header.Split(',', StringSplitOptions.TrimEntries))
        {
            string[] kv = part.Split('=', 2);
            if (kv.Length != 2)
            {
                continue;
            }

            if (kv[0] == "t" && long.TryParse(kv[1], NumberStyles.None, CultureInfo.InvariantCulture, out long ts))
            {
                t = ts;
            }
            else if (kv[0] == "v1")
            {
                candidates.Add(kv[1]);
            }
        }

        if (secret.Length == 0 || t is null || (now - DateTimeOffset.FromUnixTimeSeconds(t.Value)).Duration() > Tolerance)
        {
            return false;
        }

        byte[] signed = [.. Encoding.UTF8.GetBytes($"{t.Value.ToString(CultureInfo.InvariantCulture)}."), .. body];
        byte[] expected = Encoding.ASCII.GetBytes(Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed)));
        return candidates.Any(c => CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(c)));
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
