using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace LedgerX.Cli.Tests.Load;

/// <summary>A real Kestrel server the load engine is pointed at: a fast endpoint, a slow one, one that fails, and a
/// transfer endpoint that answers 201 with an id and records the Idempotency-Key it got.</summary>
internal sealed class FakeTarget : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FakeTarget(WebApplication app) => _app = app;

    public Uri BaseUrl => new(_app.Urls.Single() + "/");

    public ConcurrentQueue<string> IdempotencyKeys { get; } = new();

    public ConcurrentQueue<string> Authorizations { get; } = new();

    private int _failCalls;

    private int _coldCalls;

    /// <summary>How many calls <c>/fail</c> answered.</summary>
    public int FailCalls => Volatile.Read(ref _failCalls);

    /// <summary>The bodies <c>/unavailable-twice</c> received, one per call.</summary>
    public ConcurrentQueue<string> UnavailableCalls { get; } = new();

    public static async Task<FakeTarget> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var target = new FakeTarget(app);
        app.MapGet("/fast", () => Results.Json(new { ok = true }));
        app.MapGet("/slow", async () =>
        {
            await Task.Delay(TimeSpan.FromSeconds(2));
            return Results.Json(new { ok = true });
        });
        app.MapGet("/fail", () =>
        {
            Interlocked.Increment(ref target._failCalls);
            return Results.StatusCode(500);
        });
        // Unavailable for the first two calls, as a gateway whose breaker for the service is open: 503 + Retry-After.
        app.MapPost("/unavailable-twice", async (HttpRequest request) =>
        {
            target.UnavailableCalls.Enqueue(await new StreamReader(request.Body).ReadToEndAsync());
            if (target.UnavailableCalls.Count <= 2)
            {
                request.HttpContext.Response.Headers.RetryAfter = "1";
                return Results.StatusCode(503);
            }
            return Results.Json(new { ok = true });
        });
        // Cold: slower than the criteria's P95 for its first 20 calls, then fast, as a service before its JIT and pools warm.
        app.MapGet("/cold", async () =>
        {
            if (Interlocked.Increment(ref target._coldCalls) <= 20)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(300));
            }
            return Results.Json(new { ok = true });
        });
        app.MapPost("/transfers", (HttpRequest request) =>
        {
            target.IdempotencyKeys.Enqueue(request.Headers["Idempotency-Key"].ToString());
            target.Authorizations.Enqueue(request.Headers.Authorization.ToString());
            return Results.Json(new { id = Guid.CreateVersion7() }, statusCode: 201);
        });
        await app.StartAsync();
        return target;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
