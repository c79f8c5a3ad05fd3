using System.Net;
using System.Net.Http.Json;
using LedgerX.ServiceDefaults.Auth;
using LedgerX.Testing;
using Microsoft.Extensions.Options;

namespace LedgerX.ServiceDefaults.Tests;

/// <summary>What the shared validation accepts and refuses, and how a refusal reads (RFC 9457 + RFC 6750).</summary>
public sealed class TokenValidationTests : IAsyncLifetime
{
    private readonly TestTokens _tokens = new();
    private TokenHost _host = null!;

    public async ValueTask InitializeAsync()
    {
        _host = await TokenHost.StartAsync(_tokens);
        await _host.WaitForKeysAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
        _tokens.Dispose();
    }

    [Fact]
    public async Task AValidToken_IsAcceptedAndItsSubjectKeepsItsName()
    {
        using var response = await _host.WhoAmIAsync(_tokens.Mint("alice"));

        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        (await response.Content.ReadFromJsonAsync<Dictionary<string, string>>(TestContext.Current.CancellationToken))!["sub"].ShouldBe("alice");
    }

    [Fact]
    public async Task APs256Token_IsAccepted()
    {
        using var response = await _host.WhoAmIAsync(_tokens.Mint("alice", alg: "PS256"));

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task ATokenWithinTheClockSkew_IsAccepted()
    {
        using var response = await _host.WhoAmIAsync(_tokens.Mint("alice", expiresIn: TimeSpan.FromSeconds(-10)));

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    public static TheoryData<string> Forgeries => [.. Forge.Keys];

    private static readonly Dictionary<string, (Func<TestTokens, string> Token, string Detail)> Forge = new()
    {
        ["expired"] = (t => t.Mint(expiresIn: TimeSpan.FromMinutes(-5)), "The access token has expired; get a new one."),
        ["not yet valid"] = (t => t.Mint(notBeforeIn: TimeSpan.FromMinutes(5), expiresIn: TimeSpan.FromMinutes(10)),
            "The access token is not valid yet (nbf is in the future)."),
        ["forged signature"] = (t => t.Mint(key: TestTokens.NewKey(t.SigningKey.Kid)), "The access token's signature is not valid."),
        ["wrong issuer"] = (t => t.Mint(issuer: "http://127.0.0.1:5130/evil/"), "The access token was not issued by this system's auth-service."),
        ["issuer without its trailing slash"] = (t => t.Mint(issuer: "http://127.0.0.1:5130"), "The access token was not issued by this system's auth-service."),
        ["wrong audience"] = (t => t.Mint(audience: "another-api"), "The access token is not meant for this API (its audience must be ledgerx-api)."),
        ["no audience"] = (t => t.Mint(audience: null), "The access token is not meant for this API (its audience must be ledgerx-api)."),
        ["alg none"] = (t => t.Mint(alg: "none"), "The access token's algorithm is not accepted (only RS256, PS256, ES256)."),
        ["HS256 signed with the public key"] = (t => t.Mint(alg: "HS256"), "The access token's algorithm is not accepted (only RS256, PS256, ES256)."),
        ["no subject"] = (t => t.Mint(subject: null), "The access token names no subject (sub)."),
        ["not a JWT"] = (_ => "not-a-jwt", "The access token is not a well-formed JWT."),
    };

    [Theory]
    [MemberData(nameof(Forgeries))]
    public async Task ARefusedToken_Gets401InvalidTokenWithTheReason(string forgery)
    {
        var (token, detail) = Forge[forgery];

        using var response = await _host.WhoAmIAsync(token(_tokens));

        using var problem = await ProblemResponse.ReadAsync(response);
        problem.Status.ShouldBe(HttpStatusCode.Unauthorized, problem.Text);
        problem.Body.GetProperty("code").GetString().ShouldBe("invalid_token", problem.Text);
        problem.Body.GetProperty("detail").GetString().ShouldBe(detail, problem.Text);
        response.Headers.WwwAuthenticate.ToString().ShouldBe($"Bearer error=\"invalid_token\", error_description=\"{detail}\"");
    }

    [Fact]
    public async Task NoToken_Gets401UnauthorizedWithABareBearerChallenge()
    {
        using var response = await _host.WhoAmIAsync(token: null);

        using var problem = await ProblemResponse.ReadAsync(response);
        problem.Status.ShouldBe(HttpStatusCode.Unauthorized, problem.Text);
        problem.Body.GetProperty("code").GetString().ShouldBe("unauthorized", problem.Text);
        problem.Body.GetProperty("instance").GetString().ShouldBe("/whoami");
        response.Headers.WwwAuthenticate.ToString().ShouldBe("Bearer");
    }

    [Fact]
    public async Task AValidTokenWithoutThePermission_Gets403NamingIt()
    {
        using var response = await _host.SendAsync(HttpMethod.Post, "/accounts", _tokens.Mint("alice", [Permissions.LedgerRead]));

        using var problem = await ProblemResponse.ReadAsync(response);
        problem.Status.ShouldBe(HttpStatusCode.Forbidden, problem.Text);
        problem.Body.GetProperty("code").GetString().ShouldBe("forbidden", problem.Text);
        problem.Body.GetProperty("permission").GetString().ShouldBe(Permissions.LedgerWrite, problem.Text);
        response.Headers.WwwAuthenticate.ToString().ShouldBe("Bearer error=\"insufficient_scope\", scope=\"ledger:write\"");
    }

    [Fact]
    public async Task AValidTokenWithThePermission_ReachesTheEndpointAsItsSubject()
    {
        using var response = await _host.SendAsync(HttpMethod.Post, "/accounts", _tokens.Mint("bob", [Permissions.LedgerWrite]));

        response.StatusCode.ShouldBe(HttpStatusCode.Created);
        (await response.Content.ReadFromJsonAsync<Dictionary<string, string>>(TestContext.Current.CancellationToken))!["owner"].ShouldBe("bob");
    }

    [Fact]
    public async Task AnEndpointWithoutAPermission_StillAnswersWithoutAToken()
    {
        using var response = await _host.SendAsync(HttpMethod.Get, "/ping", "garbage");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public void RequirePermission_RefusesANameThatIsNotAPermission()
    {
        var builder = SampleService.CreateBuilder(new Dictionary<string, string?> { ["Auth:Issuer"] = TestTokens.Issuer });
        builder.AddLedgerXAuthentication();
        var app = builder.Build();

        Should.Throw<ArgumentException>(() => app.MapGet("/x", () => "x").RequirePermission("ledger:wirte"));
    }

    [Theory]
    [InlineData("Auth:Issuer", "")]
    [InlineData("Auth:Issuer", "not a url")]
    [InlineData("Auth:AppId", "auth service")]
    [InlineData("Auth:UnknownKeyRefreshMinIntervalSeconds", "0")]
    [InlineData("Auth:ClockSkewSeconds", "301")]
    public async Task InvalidAuthSettings_StopTheHostAtStart(string key, string value)
    {
        var failure = await Should.ThrowAsync<OptionsValidationException>(() =>
            TokenHost.StartAsync(_tokens, new Dictionary<string, string?> { [key] = value }));

        failure.Message.ShouldContain(key.Split(':')[1]);
    }

    [Fact]
    public void AuthSettings_AreDocumented() => ConfigurationDocs.AssertDocumented(typeof(AuthOptions), AuthOptions.Section);
}
