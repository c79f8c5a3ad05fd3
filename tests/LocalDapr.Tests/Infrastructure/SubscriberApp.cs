using System.Collections.Concurrent;
using System.Net;
using Dapr;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LedgerX.LocalDapr.Tests.Infrastructure;

/// <summary>A request the test app received.</summary>
public sealed record ReceivedRequest(string Path, string Method, IReadOnlyDictionary<string, string> Headers, string Body, string? ContentType);

/// <summary>
/// A real Dapr.AspNetCore app on Kestrel 127.0.0.1:0 (UseCloudEvents + MapSubscribeHandler + WithTopic), the
/// way services are written, so the sidecar is checked against what the SDK actually serves.
/// </summary>
public sealed class SubscriberApp : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ReceivedRequest> _received = new();
    private readonly SemaphoreSlim _signal = new(0);

    private SubscriberApp(WebApplication app) => _app = app;

    public int Port { get; private set; }

    public IReadOnlyList<ReceivedRequest> Received => [.. _received];

    public static async Task<SubscriberApp> StartAsync(Action<WebApplication, SubscriberApp> map, Action<IServiceCollection>? services = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Services.AddDaprClient();
        services?.Invoke(builder.Services);
        var web = builder.Build();
        var app = new SubscriberApp(web);
        web.UseCloudEvents();
        web.MapSubscribeHandler();
        map(web, app);
        await web.StartAsync();
        var address = web.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        app.Port = new Uri(address).Port;
        return app;
    }

    /// <summary>Records the request (body after UseCloudEvents unwrapped it) and signals waiters.</summary>
    public async Task<ReceivedRequest> RecordAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body);
        string body = await reader.ReadToEndAsync();
        var headers = context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        var received = new ReceivedRequest(context.Request.Path, context.Request.Method, headers, body, context.Request.ContentType);
        _received.Enqueue(received);
        _signal.Release();
        return received;
    }

    public async Task<IReadOnlyList<ReceivedRequest>> WaitForAsync(Func<ReceivedRequest, bool> predicate, int count = 1, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            var matching = Received.Where(predicate).ToList();
            if (matching.Count >= count)
            {
                return matching;
            }

            try
            {
                await _signal.WaitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"expected {count} matching requests, got {matching.Count}: {string.Join(", ", Received.Select(r => r.Path))}");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _signal.Dispose();
    }
}
