using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace LedgerX.Pact.Tests;

/// <summary>A minimal ASP.NET Core app on Kestrel, 127.0.0.1 and a free port, for providers and brokers the tests need.</summary>
internal sealed class TinyHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private TinyHost(WebApplication app) => _app = app;

    public Uri BaseUrl => new(_app.Urls.Single().TrimEnd('/') + "/");

    public static async Task<TinyHost> StartAsync(Action<WebApplication> map)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        map(app);
        await app.StartAsync(TestContext.Current.CancellationToken);
        return new TinyHost(app);
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}

/// <summary>What a provider-state endpoint was asked: one entry per call, in order.</summary>
internal sealed record ProviderStateCall(string State, string Action, JsonObject Params);

/// <summary>
/// A provider-state endpoint like the ones provider test hosts map: records each call and answers set-ups with the
/// values configured per state (they feed Match.FromProviderState).
/// </summary>
internal sealed class ProviderStates
{
    public const string Path = "/_pact/provider-states";

    private readonly ConcurrentQueue<ProviderStateCall> _calls = new();
    private readonly Dictionary<string, object> _answers = new(StringComparer.Ordinal);

    public IReadOnlyList<ProviderStateCall> Calls => [.. _calls];

    public ProviderStates Answer(string state, object values)
    {
        _answers[state] = values;
        return this;
    }

    public void Map(WebApplication app) => app.MapPost(Path, async (HttpRequest request) =>
    {
        var body = await JsonNode.ParseAsync(request.Body) as JsonObject ?? [];
        var state = body["state"]?.GetValue<string>() ?? string.Empty;
        var action = body["action"]?.GetValue<string>() ?? string.Empty;
        _calls.Enqueue(new ProviderStateCall(state, action, body["params"] as JsonObject ?? []));
        return action == "setup" && _answers.TryGetValue(state, out var values)
            ? Results.Json(values)
            : Results.Json(new { });
    });
}

internal static class Json
{
    public static JsonObject ParseFile(string path) => (JsonObject)JsonNode.Parse(File.ReadAllText(path))!;

    public static string Compact(JsonNode? node) => node?.ToJsonString(new JsonSerializerOptions { WriteIndented = false, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) ?? "null";
}
