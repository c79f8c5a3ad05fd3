using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using LedgerX.LocalDapr.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LedgerX.Gateway.IntegrationTests.Infrastructure;

/// <summary>What an upstream saw of one request.</summary>
public sealed record ReceivedRequest(string Method, string Path, string Query, IReadOnlyDictionary<string, string> Headers)
{
    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;
}

/// <summary>How a fake upstream answers.</summary>
public enum UpstreamBehaviour
{
    /// <summary>200 with a small JSON body naming the app and the path.</summary>
    Answer,

    /// <summary>Never answers (until the caller gives up).</summary>
    Hang,

    /// <summary>500 problem+json, as a service with a broken database.</summary>
    Fail,
}

/// <summary>
/// A service as the gateway sees it: an app on real Kestrel behind its own local Dapr sidecar, reached by app id. It
/// records every request it gets (path, query, headers), answers as <see cref="Behaviour"/> says, and serves
/// <c>/openapi/v1.json</c> and <c>/openapi/v2.json</c> with one path per version plus a <c>Money</c> schema of its own.
/// App ids get a random suffix, since sidecars in one test process resolve each other by app id.
/// </summary>
public sealed class FakeUpstream : IAsyncDisposable
{
    private readonly ConcurrentQueue<ReceivedRequest> _received = new();
    private WebApplication? _app;
    private int _port;
    private LocalDaprSidecar? _sidecar;

    private FakeUpstream(string appId, string apiSegment)
    {
        AppId = appId;
        ApiSegment = apiSegment;
    }

    public string AppId { get; }

    /// <summary>The path segment after <c>/api/vN/</c> its OpenAPI documents describe.</summary>
    public string ApiSegment { get; }

    public UpstreamBehaviour Behaviour { get; set; } = UpstreamBehaviour.Answer;

    /// <summary>The API versions it has documents for; any other version's document is a 404, as a real service's.</summary>
    public IReadOnlyList<string> Versions { get; set; } = ["v1", "v2"];

    public IReadOnlyList<ReceivedRequest> Received => [.. _received];

    /// <summary>Requests other than OpenAPI document fetches.</summary>
    public IReadOnlyList<ReceivedRequest> ApiRequests => [.. _received.Where(r => !r.Path.StartsWith("/openapi/", StringComparison.Ordinal))];

    public static async Task<FakeUpstream> StartAsync(string name, string suffix, string apiSegment)
    {
        var upstream = new FakeUpstream($"{name}-{suffix}", apiSegment);
        upstream._port = await upstream.StartAppAsync(0);
        upstream._sidecar = await LocalDaprSidecar.StartAsync(new SidecarOptions { AppId = upstream.AppId, AppPort = upstream._port, WaitForApp = false });
        return upstream;
    }

    /// <summary>The app goes away; its sidecar stays and answers invocations with errors, as when a pod crashes.</summary>
    public async Task StopAppAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
            _app = null;
        }
    }

    /// <summary>The app comes back on its old port (a restarted pod), behind the sidecar that stayed.</summary>
    public async Task RestartAppAsync()
    {
        if (_app is null)
        {
            await StartAppAsync(_port);
        }
    }

    /// <summary>The app and its sidecar go away: the app id resolves to nothing (the pod is gone).</summary>
    public async Task StopSidecarAsync()
    {
        await StopAppAsync();
        if (_sidecar is not null)
        {
            await _sidecar.DisposeAsync();
            _sidecar = null;
        }
    }

    public void Clear() => _received.Clear();

    private async Task<int> StartAppAsync(int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        // The sidecar asks the app what it subscribes to: nothing.
        app.MapGet("/dapr/subscribe", () => Results.Json(Array.Empty<object>()));
        // Nor does it host actors. Without this the catch-all below answered (and recorded) the sidecar's own start-up
        // call, which could land after a test had cleared the record and count as a request that reached the service.
        app.MapGet("/dapr/config", () => Results.NotFound());
        app.MapGet("/openapi/{version}.json", (string version) => Versions.Contains(version)
            ? Results.Text(OpenApiDocument(version).ToJsonString(), "application/json")
            : Results.NotFound());
        app.Map("{**path}", (Delegate)HandleAsync);
        await app.StartAsync();
        _app = app;
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        return new Uri(address).Port;
    }

    private async Task<IResult> HandleAsync(HttpContext context)
    {
        var request = context.Request;
        _received.Enqueue(new ReceivedRequest(request.Method, request.Path.Value ?? "", request.QueryString.Value ?? "",
            request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase)));
        switch (Behaviour)
        {
            case UpstreamBehaviour.Hang:
                await Task.Delay(Timeout.Infinite, context.RequestAborted);
                return Results.Empty;
            case UpstreamBehaviour.Fail:
                return Results.Problem(statusCode: StatusCodes.Status500InternalServerError, extensions: new Dictionary<string, object?> { ["code"] = "internal_error" });
            default:
                return Results.Json(new { app = AppId, path = request.Path.Value, query = request.QueryString.Value });
        }
    }

    /// <summary>One operation per version under this upstream's segment, and a <c>Money</c> schema that differs per app
    /// (so the merge must rename one), plus a path outside the API the merge must leave out.</summary>
    public JsonObject OpenApiDocument(string version) => new()
    {
        ["openapi"] = "3.1.1",
        ["info"] = new JsonObject { ["title"] = AppId, ["version"] = "1.0" },
        ["paths"] = new JsonObject
        {
            [$"/api/{version}/{ApiSegment}"] = new JsonObject
            {
                ["get"] = new JsonObject
                {
                    ["operationId"] = $"List{ApiSegment}",
                    ["tags"] = new JsonArray(ApiSegment),
                    ["responses"] = new JsonObject
                    {
                        ["200"] = new JsonObject
                        {
                            ["description"] = "OK",
                            ["content"] = new JsonObject
                            {
                                ["application/json"] = new JsonObject { ["schema"] = new JsonObject { ["$ref"] = "#/components/schemas/Money" } },
                            },
                        },
                    },
                },
            },
            ["/events/something-happened"] = new JsonObject { ["post"] = new JsonObject { ["responses"] = new JsonObject() } },
        },
        ["components"] = new JsonObject
        {
            ["schemas"] = new JsonObject
            {
                ["Money"] = new JsonObject { ["type"] = "object", ["description"] = $"{AppId}'s money" },
                ["ProblemDetails"] = new JsonObject { ["type"] = "object" },
            },
        },
        ["tags"] = new JsonArray(new JsonObject { ["name"] = ApiSegment }),
    };

    public async ValueTask DisposeAsync()
    {
        await StopAppAsync();
        if (_sidecar is not null)
        {
            await _sidecar.DisposeAsync();
        }
    }
}
