using System.Net;
using System.Text.Json;

namespace LedgerX.Gateway.IntegrationTests.OpenApi;

/// <summary>One OpenAPI document per version at the gateway, merged from every service's own (fetched through the
/// sidecars), with the gateway's security scheme; a service that is down is left out and named, never a 500.</summary>
public sealed class MergedDocuments : IAsyncLifetime
{
    private readonly GatewayHost _gateway = new();

    public ValueTask InitializeAsync() => _gateway.InitializeAsync();

    public ValueTask DisposeAsync() => _gateway.DisposeAsync();

    [Theory]
    [InlineData("v1")]
    [InlineData("v2")]
    public async Task EachVersionHasEveryServicesPathsOfThatVersionOnly(string version)
    {
        using var response = await _gateway.Client.GetAsync($"/openapi/{version}.json");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Headers.Contains("X-LedgerX-OpenApi-Missing").ShouldBeFalse();
        var document = await response.JsonAsync();
        document.GetProperty("info").GetProperty("version").GetString().ShouldBe(version);
        var paths = document.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        paths.ShouldBe([.. _gateway.Upstreams.Select(u => $"/api/{version}/{u.ApiSegment}")], ignoreOrder: true);
        foreach (var upstream in _gateway.Upstreams)
        {
            var operation = document.GetProperty("paths").GetProperty($"/api/{version}/{upstream.ApiSegment}").GetProperty("get");
            operation.GetProperty("x-ledgerx-upstream").GetString().ShouldBe(upstream.AppId);
            var statuses = operation.GetProperty("responses").EnumerateObject().Select(r => r.Name).ToList();
            statuses.ShouldBe(["200", "429", "502", "503", "504"], ignoreOrder: true);
        }
    }

    [Fact]
    public async Task AServiceWithoutAVersion_IsNotNamedMissingFromIt()
    {
        _gateway.Notifications.Versions = ["v1"];

        using var response = await _gateway.Client.GetAsync("/openapi/v2.json");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Headers.Contains("X-LedgerX-OpenApi-Missing").ShouldBeFalse();
        var paths = (await response.JsonAsync()).GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        paths.ShouldNotContain($"/api/v2/{_gateway.Notifications.ApiSegment}");
        paths.Count.ShouldBe(_gateway.Upstreams.Count() - 1);
    }

    [Fact]
    public async Task SchemasThatDifferAreRenamedAndTheirReferencesFollow()
    {
        var document = await (await _gateway.Client.GetAsync("/openapi/v1.json")).JsonAsync();

        var schemas = document.GetProperty("components").GetProperty("schemas");
        var moneys = schemas.EnumerateObject().Where(s => s.Name.EndsWith("Money", StringComparison.Ordinal)).ToList();
        moneys.Count.ShouldBe(_gateway.Upstreams.Count());
        foreach (var upstream in _gateway.Upstreams)
        {
            var reference = document.GetProperty("paths").GetProperty($"/api/v1/{upstream.ApiSegment}").GetProperty("get")
                .GetProperty("responses").GetProperty("200").GetProperty("content").GetProperty("application/json")
                .GetProperty("schema").GetProperty("$ref").GetString()!;
            var name = reference["#/components/schemas/".Length..];
            schemas.GetProperty(name).GetProperty("description").GetString().ShouldBe($"{upstream.AppId}'s money");
        }
        // Identical schemas are shared, not copied once per service.
        schemas.EnumerateObject().Count(s => s.Name.EndsWith("ProblemDetails", StringComparison.Ordinal) && s.Name != "GatewayProblemDetails").ShouldBe(1);
    }

    [Fact]
    public async Task TheSecuritySchemeIsTheGateways()
    {
        var document = await (await _gateway.Client.GetAsync("/openapi/v2.json")).JsonAsync();

        var scheme = document.GetProperty("components").GetProperty("securitySchemes").GetProperty("Bearer");
        scheme.GetProperty("scheme").GetString().ShouldBe("bearer");
        scheme.GetProperty("description").GetString()!.ShouldContain("this gateway's /connect/token");
    }

    [Fact]
    public async Task AServiceThatIsDownIsLeftOutAndNamed()
    {
        await _gateway.Fraud.StopAppAsync();

        using var response = await _gateway.Client.GetAsync("/openapi/v1.json");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Headers.GetValues("X-LedgerX-OpenApi-Missing").ShouldHaveSingleItem().ShouldBe(_gateway.Fraud.AppId);
        var document = await response.JsonAsync();
        document.GetProperty("paths").TryGetProperty("/api/v1/alerts", out _).ShouldBeFalse();
        document.GetProperty("paths").TryGetProperty("/api/v1/accounts", out _).ShouldBeTrue();
        document.GetProperty("info").GetProperty("description").GetString()!.ShouldContain(_gateway.Fraud.AppId);
    }

    [Fact]
    public async Task AnUnknownVersionIsNotFound()
    {
        using var response = await _gateway.Client.GetAsync("/openapi/v9.json");

        await response.ShouldBeProblemAsync(404, "unknown_api_version");
    }

    [Fact]
    public async Task TheReferencePageServesBothVersions()
    {
        foreach (var version in new[] { "v1", "v2" })
        {
            using var page = await _gateway.Client.GetAsync($"/scalar/{version}");
            page.StatusCode.ShouldBe(HttpStatusCode.OK);
            page.Content.Headers.ContentType!.MediaType.ShouldBe("text/html");
        }
    }
}
