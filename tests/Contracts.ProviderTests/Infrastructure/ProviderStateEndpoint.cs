using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace LedgerX.Contracts.ProviderTests.Infrastructure;

/// <summary>
/// <c>POST /_pact/provider-states</c>, in the test host only: the pact verifier posts
/// <c>{"state": "...", "params": {...}, "action": "setup" | "teardown"}</c> before (and after) each interaction.
/// Setup answers 200 with the state's values as a JSON object (they fill the consumers' <c>FromProviderState</c>
/// expressions); teardown answers 200 <c>{}</c>. An unknown state or action answers 400 naming the known ones, so a
/// consumer that adds a state without a provider counterpart fails loudly instead of being verified against nothing.
/// </summary>
/// <remarks>Added by an <see cref="IStartupFilter"/> ahead of the service's own pipeline, so the service's code is unchanged.
/// The states call the service's API on the very Kestrel socket this request arrived on.</remarks>
public sealed class ProviderStateEndpoint : IStartupFilter, IDisposable
{
    public const string Path = "/_pact/provider-states";

    /// <summary>Bounds a state's setup: a few HTTP calls to the service itself.</summary>
    private static readonly TimeSpan SetupTimeout = TimeSpan.FromSeconds(20);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Bounds <see cref="Refusals"/>: a verification posts a few dozen state changes at most.</summary>
    private const int MaxRefusalsKept = 100;

    private readonly SocketsHttpHandler _handler = new() { PooledConnectionLifetime = TimeSpan.FromMinutes(1) };
    private readonly ConcurrentQueue<string> _refusals = new();

    /// <summary>
    /// Every state change this endpoint refused or failed, with its reason. The verifier reports only "state change
    /// handler failed" (it drops the answer's body), so the tests add these to their failure messages.
    /// </summary>
    public IReadOnlyCollection<string> Refusals => _refusals;

    public static void AddTo(IServiceCollection services)
    {
        services.AddSingleton<ProviderStateEndpoint>();
        services.AddSingleton<IStartupFilter>(sp => sp.GetRequiredService<ProviderStateEndpoint>());
    }

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Map(Path, branch => branch.Run(HandleAsync));
        next(app);
    };

    public void Dispose() => _handler.Dispose();

    private async Task HandleAsync(HttpContext http)
    {
        if (!HttpMethods.IsPost(http.Request.Method))
        {
            http.Response.Headers.Allow = HttpMethods.Post;
            await Problem(http, StatusCodes.Status405MethodNotAllowed, "Provider states are set up with POST.");
            return;
        }
        ProviderStateChange? change;
        try
        {
            change = await http.Request.ReadFromJsonAsync<ProviderStateChange>(Json, http.RequestAborted);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            await Problem(http, StatusCodes.Status400BadRequest, $"The body must be {{\"state\", \"params\", \"action\"}} as JSON: {ex.Message}");
            return;
        }
        if (change?.State is not { Length: > 0 } state)
        {
            await Problem(http, StatusCodes.Status400BadRequest, "The provider state change names no state.");
            return;
        }
        if (!ProviderStates.All.TryGetValue(state, out var setUp))
        {
            await Problem(http, StatusCodes.Status400BadRequest,
                $"transaction-service has no provider state '{state}'. Known states: {string.Join(", ", ProviderStates.Names.Select(n => $"'{n}'"))}. " +
                "Add it to tests/Contracts.ProviderTests/Infrastructure/ProviderStates.cs (see that project's README).");
            return;
        }
        switch (change.Action)
        {
            case "teardown":
                await http.Response.WriteAsJsonAsync(new Dictionary<string, string>(), Json, http.RequestAborted);
                return;
            case "setup" or null:
                break;
            default:
                await Problem(http, StatusCodes.Status400BadRequest, $"Unknown provider state action '{change.Action}': expected setup or teardown.");
                return;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
        timeout.CancelAfter(SetupTimeout);
        using var api = new HttpClient(_handler, disposeHandler: false) { BaseAddress = OwnAddress(http), Timeout = SetupTimeout };
        IReadOnlyDictionary<string, string> values;
        try
        {
            values = await setUp(new ProviderStates(api), timeout.Token);
        }
        catch (Exception ex) when (ex is InvalidOperationException or HttpRequestException or OperationCanceledException)
        {
            await Problem(http, StatusCodes.Status500InternalServerError, $"Setting up provider state '{state}' failed: {ex.Message}");
            return;
        }
        await http.Response.WriteAsJsonAsync(values, Json, http.RequestAborted);
    }

    /// <summary>The socket the verifier reached, i.e. this very service (not the Host header, which a client chooses).</summary>
    private static Uri OwnAddress(HttpContext http) =>
        new UriBuilder(Uri.UriSchemeHttp, http.Connection.LocalIpAddress!.ToString(), http.Connection.LocalPort).Uri;

    private Task Problem(HttpContext http, int status, string detail)
    {
        if (_refusals.Count < MaxRefusalsKept)
        {
            _refusals.Enqueue($"{status}: {detail}");
        }
        return Results.Problem(detail: detail, statusCode: status,
            title: status >= StatusCodes.Status500InternalServerError ? "Provider state setup failed" : "Provider state change refused").ExecuteAsync(http);
    }

    private sealed record ProviderStateChange(string? State, JsonElement? Params, string? Action);
}
