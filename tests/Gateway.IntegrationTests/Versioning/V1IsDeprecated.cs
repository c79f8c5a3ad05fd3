using System.Globalization;
using System.Net;

namespace LedgerX.Gateway.IntegrationTests.Versioning;

/// <summary>v1 responses announce the deprecation (RFC 9745), the sunset (RFC 8594) and the migration guide; v2
/// responses do not; the guide the link names is served.</summary>
public sealed class V1IsDeprecated(GatewayHost gateway) : IClassFixture<GatewayHost>
{
    [Fact]
    public async Task V1ResponsesCarryDeprecationSunsetAndTheGuide()
    {
        using var response = await gateway.SendAsync(HttpMethod.Get, "/api/v1/accounts");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var deprecatedAt = DateTimeOffset.Parse("2026-12-01T00:00:00Z", CultureInfo.InvariantCulture);
        response.Headers.GetValues("Deprecation").ShouldHaveSingleItem().ShouldBe("@" + deprecatedAt.ToUnixTimeSeconds());
        response.Headers.GetValues("Sunset").ShouldHaveSingleItem().ShouldBe("Wed, 30 Jun 2027 00:00:00 GMT");
        var links = response.Headers.GetValues("Link").ToList();
        links.ShouldContain("</docs/api/migration-v2.md>; rel=\"deprecation\"; type=\"text/markdown\"");
        links.ShouldContain("</docs/api/migration-v2.md>; rel=\"sunset\"; type=\"text/markdown\"");
    }

    [Fact]
    public async Task V1ErrorsFromTheGatewayCarryThemToo()
    {
        using var response = await gateway.Client.GetAsync("/api/v1/accounts");

        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        response.Headers.Contains("Deprecation").ShouldBeTrue();
    }

    [Fact]
    public async Task V2ResponsesCarryNone()
    {
        using var response = await gateway.SendAsync(HttpMethod.Get, "/api/v2/accounts");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Headers.Contains("Deprecation").ShouldBeFalse();
        response.Headers.Contains("Sunset").ShouldBeFalse();
        response.Headers.Contains("Link").ShouldBeFalse();
    }

    [Fact]
    public async Task TheGuideTheLinkNamesIsServed()
    {
        using var response = await gateway.Client.GetAsync("/docs/api/migration-v2.md");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("text/markdown");
        var text = await response.Content.ReadAsStringAsync();
        text.ShouldContain("Money is an object");
        text.ShouldBe(await File.ReadAllTextAsync(RepositoryRoot.PathOf("docs", "api", "migration-v2.md")));
    }
}
