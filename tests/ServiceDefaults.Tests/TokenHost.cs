using System.Net.Http.Headers;
using LedgerX.ServiceDefaults.Auth;
using LedgerX.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Hosting;

namespace LedgerX.ServiceDefaults.Tests;

/// <summary>
/// A service with the shared token validation, as a LedgerX Program.cs wires it: <c>/whoami</c> needs any valid token
/// (<c>ledger:read</c>), <c>POST /accounts</c> needs <c>ledger:write</c>, <c>/ping</c> none. Its keys come from
/// <paramref name="tokens"/> directly, or, given a <see cref="FakeAuthService"/>'s settings, through a real sidecar.
/// </summary>
internal sealed class TokenHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private TokenHost(WebApplication app)
    {
        _app = app;
        Client = app.GetTestClient();
    }

    public HttpClient Client { get; }

    public SigningKeyCache Keys => _app.Services.GetRequiredService<SigningKeyCache>();

    public IServiceProvider Services => _app.Services;

    public static async Task<TokenHost> StartAsync(TestTokens tokens, IDictionary<string, string?>? settings = null, bool keysThroughSidecar = false)
    {
        var all = new Dictionary<string, string?> { ["Auth:Issuer"] = TestTokens.Issuer };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }
        var builder = SampleService.CreateBuilder(all);
        builder.AddLedgerXAuthentication();
        if (!keysThroughSidecar)
        {
            builder.Services.AddSingleton<IJwksSource>(tokens);
        }
        var app = builder.Build();
        app.UseServiceDefaults();
        app.UseLedgerXAuthentication();
        app.MapDefaultEndpoints();
        app.MapGet("/ping", () => "pong");
        app.MapGet("/whoami", (HttpContext http) => TypedResults.Ok(new { sub = http.User.SubjectId() })).RequirePermission(Permissions.LedgerRead);
        app.MapPost("/accounts", (HttpContext http) => TypedResults.Created("/accounts/1", new { owner = http.User.SubjectId() }))
            .RequirePermission(Permissions.LedgerWrite);
        await app.StartAsync(TestContext.Current.CancellationToken);
        return new TokenHost(app);
    }

    /// <summary>Waits for the first key fetch at start, so a test counts only the fetches it causes.</summary>
    public async Task WaitForKeysAsync()
    {
        for (var waited = 0; !Keys.HasKeys; waited += 20)
        {
            waited.ShouldBeLessThan(15_000, "the service never fetched its signing keys");
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
    }

    public Task<HttpResponseMessage> WhoAmIAsync(string? token) => SendAsync(HttpMethod.Get, "/whoami", token);

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? token)
    {
        using var request = new HttpRequestMessage(method, path);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        return await Client.SendAsync(request, TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.DisposeAsync();
    }
}
