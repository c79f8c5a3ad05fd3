using System.Net;
using System.Net.Http.Headers;

namespace LedgerX.Gateway.IntegrationTests.Authentication;

/// <summary>A request without a valid token is refused by the gateway (401) and never reaches a service; a valid token
/// goes on unchanged, for the service to check again.</summary>
public sealed class TokensAreCheckedAtTheGateway(GatewayHost gateway) : IClassFixture<GatewayHost>
{
    [Theory]
    [InlineData("GET", "/api/v1/accounts")]
    [InlineData("POST", "/api/v1/transfers")]
    [InlineData("POST", "/api/v2/accounts/0190b7a2-7a53-7c4e-9f0e-2a1b3c4d5e6f/freeze")]
    [InlineData("GET", "/api/v1/alerts")]
    [InlineData("POST", "/api/v1/admin/rebuild")]
    [InlineData("GET", "/api/v1/audit/events")]
    [InlineData("GET", "/api/v1/users/me")]
    public async Task WithoutATokenNothingReachesAService(string method, string path)
    {
        gateway.ClearUpstreams();

        using var response = await gateway.Client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        await response.ShouldBeProblemAsync(401, "unauthorized");
        response.Headers.WwwAuthenticate.ShouldContain(h => h.Scheme == "Bearer");
        gateway.UpstreamHits.ShouldBe(0);
    }

    public static TheoryData<string, string> BadTokens() => new()
    {
        { "expired", TestTokens.Shared.Mint(expiresIn: TimeSpan.FromMinutes(-10)) },
        { "wrong audience", TestTokens.Shared.Mint(audience: "someone-else") },
        { "wrong issuer", TestTokens.Shared.Mint(issuer: "http://evil.example/") },
        { "unsigned", TestTokens.Shared.Mint(alg: "none") },
        { "HS256 with the public key", TestTokens.Shared.Mint(alg: "HS256") },
        { "unknown key", TestTokens.Shared.Mint(key: TestTokens.NewKey()) },
        { "garbage", "not-a-jwt" },
    };

    [Theory]
    [MemberData(nameof(BadTokens))]
    public async Task AnInvalidTokenIsRefusedBeforeAnyService(string why, string token)
    {
        gateway.ClearUpstreams();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/accounts");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);

        using var response = await gateway.Client.SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized, why);
        gateway.UpstreamHits.ShouldBe(0, why);
    }

    [Fact]
    public async Task TheCallersTokenIsForwardedUnchanged()
    {
        gateway.ClearUpstreams();
        var token = gateway.Tokens.Mint("bob", ["ledger:read"]);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/accounts");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);

        using var response = await gateway.Client.SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        gateway.Transactions.ApiRequests.ShouldHaveSingleItem().Header("Authorization").ShouldBe("Bearer " + token);
    }

    [Fact]
    public async Task HealthAndDocumentationNeedNoToken()
    {
        foreach (var path in new[] { "/healthz", "/openapi/v1.json", "/openapi/v2.json", "/scalar/v1", "/docs/api/migration-v2.md" })
        {
            using var response = await gateway.Client.GetAsync(path);
            response.StatusCode.ShouldBe(HttpStatusCode.OK, path);
        }
    }

    /// <summary>The "done when": a load of requests without tokens cannot reach a service.</summary>
    [Fact]
    public async Task ALoadOfRequestsWithoutTokensReachesNoService()
    {
        gateway.ClearUpstreams();
        var paths = new[] { "/api/v1/accounts", "/api/v1/transfers", "/api/v1/alerts", "/api/v1/ledger/volumes/daily", "/api/v1/audit/events" };

        var statuses = await Task.WhenAll(Enumerable.Range(0, 200).Select(async i =>
        {
            using var request = new HttpRequestMessage(i % 2 == 0 ? HttpMethod.Get : HttpMethod.Post, paths[i % paths.Length]);
            using var response = await gateway.Client.SendAsync(request);
            return response.StatusCode;
        }));

        statuses.ShouldAllBe(s => s == HttpStatusCode.Unauthorized || s == HttpStatusCode.TooManyRequests);
        gateway.UpstreamHits.ShouldBe(0);
    }
}
