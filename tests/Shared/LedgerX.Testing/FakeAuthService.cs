using LedgerX.LocalDapr.Hosting;
using LedgerX.ServiceDefaults.Auth;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LedgerX.Testing;

/// <summary>
/// auth-service as the services see it: an app that serves <see cref="TestTokens"/>'s JWKS at
/// <c>GET /.well-known/jwks</c> and client-credentials tokens for clients a test registers at <c>POST /connect/token</c>,
/// behind its own local Dapr sidecar, plus a sidecar for the caller. A service under test
/// given <see cref="Settings"/> fetches its keys the production way: from its sidecar, by service invocation.
/// App ids get a random suffix, since sidecars in one test process resolve each other by app id.
/// </summary>
public sealed class FakeAuthService : IAsyncDisposable
{
    public const string JwksPath = "/.well-known/jwks";

    /// <summary>auth-service's token endpoint; the fake serves only the client-credentials grant.</summary>
    public const string TokenPath = "/connect/token";

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (string Secret, string[] Scopes)> _clients = new();
    private int _tokensIssued;

    private WebApplication? _app;
    private LocalDaprSidecar _authSidecar = null!;
    private LocalDaprSidecar _callerSidecar = null!;

    private FakeAuthService(TestTokens tokens, string appId)
    {
        Tokens = tokens;
        AppId = appId;
    }

    public TestTokens Tokens { get; }

    /// <summary>The fake's Dapr app id (the service's <c>Auth:AppId</c>).</summary>
    public string AppId { get; }

    /// <summary>Settings that point a service at the caller sidecar, the fake's app id and the test issuer.</summary>
    public IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["DAPR_HTTP_ENDPOINT"] = _callerSidecar.HttpEndpoint,
        [$"{AuthOptions.Section}:{nameof(AuthOptions.AppId)}"] = AppId,
        [$"{AuthOptions.Section}:{nameof(AuthOptions.Issuer)}"] = TestTokens.Issuer,
    };

    public static async Task<FakeAuthService> StartAsync(TestTokens tokens, string callerAppId, CancellationToken cancellationToken)
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var fake = new FakeAuthService(tokens, "auth-service-" + suffix);
        var port = await fake.StartAppAsync(0, cancellationToken);
        fake._authSidecar = await LocalDaprSidecar.StartAsync(
            new SidecarOptions { AppId = fake.AppId, AppPort = port, WaitForApp = false }, cancellationToken);
        fake._callerSidecar = await LocalDaprSidecar.StartAsync(
            new SidecarOptions { AppId = $"{callerAppId}-{suffix}", WaitForApp = false }, cancellationToken);
        return fake;
    }

    /// <summary>Registers a confidential client, as auth-service's service-client seeding does: it may get tokens for
    /// <paramref name="scopes"/> (or fewer) with <paramref name="secret"/>.</summary>
    public void RegisterClient(string clientId, string secret, params string[] scopes) => _clients[clientId] = (secret, scopes);

    /// <summary>How many client-credentials tokens the fake has issued.</summary>
    public int TokensIssued => Volatile.Read(ref _tokensIssued);

    /// <summary>auth-service goes down: its sidecar stays, invocations of it fail.</summary>
    public async Task StopAppAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
            _app = null;
        }
    }

    private async Task<int> StartAppAsync(int port, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        app.MapGet(JwksPath, async (CancellationToken ct) =>
        {
            try
            {
                return Results.Content(await Tokens.FetchAsync(ct), "application/json");
            }
            catch (HttpRequestException)
            {
                return Results.StatusCode(StatusCodes.Status503ServiceUnavailable);
            }
        });
        app.MapPost(TokenPath, IssueClientCredentialsToken);
        await app.StartAsync(cancellationToken);
        _app = app;
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        return new Uri(address).Port;
    }

    /// <summary>RFC 6749 §4.4 as auth-service answers it: client authentication by form fields or HTTP Basic, the granted
    /// scopes the asked ones the client may have, a JWT access token whose subject and client_id are the client.</summary>
    private async Task<IResult> IssueClientCredentialsToken(HttpRequest request)
    {
        var form = await request.ReadFormAsync();
        var (clientId, secret) = ((string?)form["client_id"], (string?)form["client_secret"]);
        if (request.Headers.Authorization.ToString() is { } header && header.StartsWith("Basic ", StringComparison.Ordinal))
        {
            var pair = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(header["Basic ".Length..])).Split(':', 2);
            (clientId, secret) = (Uri.UnescapeDataString(pair[0]), Uri.UnescapeDataString(pair[1]));
        }
        if (form["grant_type"] != "client_credentials")
        {
            return Results.Json(new { error = "unsupported_grant_type" }, statusCode: StatusCodes.Status400BadRequest);
        }
        if (clientId is null || !_clients.TryGetValue(clientId, out var client) || client.Secret != secret)
        {
            return Results.Json(new { error = "invalid_client" }, statusCode: StatusCodes.Status401Unauthorized);
        }
        var asked = ((string?)form["scope"] ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (asked.Except(client.Scopes).Any())
        {
            return Results.Json(new { error = "invalid_scope" }, statusCode: StatusCodes.Status400BadRequest);
        }
        Interlocked.Increment(ref _tokensIssued);
        var lifetime = TimeSpan.FromMinutes(5);
        var token = Tokens.Mint(clientId, asked, expiresIn: lifetime, claims: new Dictionary<string, object> { [LedgerXClaims.ClientId] = clientId });
        return Results.Json(new { access_token = token, token_type = "Bearer", expires_in = (int)lifetime.TotalSeconds, scope = string.Join(' ', asked) });
    }

    public async ValueTask DisposeAsync()
    {
        await StopAppAsync();
        await _callerSidecar.DisposeAsync();
        await _authSidecar.DisposeAsync();
    }
}
