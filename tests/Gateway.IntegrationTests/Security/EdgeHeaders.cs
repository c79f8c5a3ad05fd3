using System.Net;

namespace LedgerX.Gateway.IntegrationTests.Security;

/// <summary>CORS for the configured origin only (and its preflight needs no token), and the security headers on every
/// answer, whoever produced it.</summary>
public sealed class EdgeHeaders(GatewayHost gateway) : IClassFixture<GatewayHost>
{
    [Fact]
    public async Task APreflightFromTheConfiguredOriginIsAllowedWithoutAToken()
    {
        gateway.ClearUpstreams();
        using var request = Preflight(GatewayHost.AllowedOrigin);

        using var response = await gateway.Client.SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.NoContent);
        response.Headers.GetValues("Access-Control-Allow-Origin").ShouldHaveSingleItem().ShouldBe(GatewayHost.AllowedOrigin);
        string.Join(",", response.Headers.GetValues("Access-Control-Allow-Headers")).ToLowerInvariant().ShouldContain("authorization");
        gateway.UpstreamHits.ShouldBe(0);
    }

    [Fact]
    public async Task AnyOtherOriginGetsNoCorsPermission()
    {
        using var preflight = await gateway.Client.SendAsync(Preflight("https://evil.example"));
        using var request = gateway.Authorized(HttpMethod.Get, "/api/v1/accounts");
        request.Headers.TryAddWithoutValidation("Origin", "https://evil.example");
        using var actual = await gateway.Client.SendAsync(request);

        preflight.Headers.Contains("Access-Control-Allow-Origin").ShouldBeFalse();
        actual.Headers.Contains("Access-Control-Allow-Origin").ShouldBeFalse();
    }

    [Fact]
    public async Task TheConfiguredOriginMayReadTheResponseAndItsHeaders()
    {
        using var request = gateway.Authorized(HttpMethod.Get, "/api/v1/accounts");
        request.Headers.TryAddWithoutValidation("Origin", GatewayHost.AllowedOrigin);

        using var response = await gateway.Client.SendAsync(request);

        response.Headers.GetValues("Access-Control-Allow-Origin").ShouldHaveSingleItem().ShouldBe(GatewayHost.AllowedOrigin);
        string.Join(",", response.Headers.GetValues("Access-Control-Expose-Headers")).ShouldContain("RateLimit");
    }

    [Theory]
    [InlineData("/api/v1/accounts", true)]
    [InlineData("/api/v1/nothing-here", true)]
    [InlineData("/connect/token", false)]
    public async Task EveryAnswerCarriesTheSecurityHeaders(string path, bool withToken)
    {
        using var request = withToken ? gateway.Authorized(HttpMethod.Get, path) : new HttpRequestMessage(HttpMethod.Get, path);

        using var response = await gateway.Client.SendAsync(request);

        response.Headers.GetValues("X-Content-Type-Options").ShouldHaveSingleItem().ShouldBe("nosniff");
        response.Headers.GetValues("Referrer-Policy").ShouldHaveSingleItem().ShouldBe("no-referrer");
        response.Headers.GetValues("Content-Security-Policy").ShouldHaveSingleItem().ShouldStartWith("default-src 'none'");
        response.Headers.CacheControl!.NoStore.ShouldBeTrue();
        response.Headers.Contains("Server").ShouldBeFalse();
    }

    [Fact]
    public async Task TheReferencePageMayRunItsOwnScriptsOnly()
    {
        using var response = await gateway.Client.GetAsync("/scalar/v2");

        response.Headers.GetValues("Content-Security-Policy").ShouldHaveSingleItem().ShouldContain("script-src 'self' 'unsafe-inline'");
    }

    private static HttpRequestMessage Preflight(string origin)
    {
        var request = new HttpRequestMessage(HttpMethod.Options, "/api/v1/transfers");
        request.Headers.TryAddWithoutValidation("Origin", origin);
        request.Headers.TryAddWithoutValidation("Access-Control-Request-Method", "POST");
        request.Headers.TryAddWithoutValidation("Access-Control-Request-Headers", "authorization,content-type");
        return request;
    }
}
