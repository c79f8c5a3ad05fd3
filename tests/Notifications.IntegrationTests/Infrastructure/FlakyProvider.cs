using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LedgerX.Notifications.IntegrationTests.Infrastructure;

/// <summary>
/// A push provider the test controls, behind the fixture's notify-push binding: it refuses (503) while
/// <see cref="Failing"/> is set and otherwise accepts, deduplicating on the Idempotency-Key as a real provider does.
/// </summary>
public sealed class FlakyProvider : IAsyncDisposable
{
    private readonly WebApplication _web;

    private FlakyProvider(WebApplication web) => _web = web;

    /// <summary>Accepted requests by Idempotency-Key (a repeated key is counted, not accepted twice).</summary>
    public ConcurrentDictionary<string, int> Accepted { get; } = new();

    /// <summary>Every request received, accepted or refused, by Idempotency-Key.</summary>
    public ConcurrentDictionary<string, int> Received { get; } = new();

    /// <summary>Keys whose requests are refused with 503 while present.</summary>
    public ConcurrentDictionary<string, bool> FailingKeys { get; } = new();

    /// <summary>Device tokens whose requests are refused (the key is not known before the notification exists).</summary>
    public ConcurrentDictionary<string, bool> FailingDevices { get; } = new();

    public Uri Url { get; private set; } = null!;

    public static async Task<FlakyProvider> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var web = builder.Build();
        var provider = new FlakyProvider(web);
        web.MapPost("/push", async (HttpRequest request) =>
        {
            var key = request.Headers["Idempotency-Key"].ToString();
            var body = await System.Text.Json.JsonDocument.ParseAsync(request.Body);
            var device = body.RootElement.TryGetProperty("deviceToken", out var d) ? d.GetString() ?? "" : "";
            provider.Received.AddOrUpdate(key, 1, (_, n) => n + 1);
            if (provider.FailingKeys.ContainsKey(key) || provider.FailingDevices.ContainsKey(device))
            {
                return Results.StatusCode(StatusCodes.Status503ServiceUnavailable);
            }
            provider.Accepted.AddOrUpdate(key, 1, (_, n) => n + 1);
            return Results.Accepted();
        });
        await web.StartAsync();
        provider.Url = new Uri(web.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/push");
        return provider;
    }

    public async ValueTask DisposeAsync()
    {
        await _web.StopAsync();
        await _web.DisposeAsync();
    }
}
