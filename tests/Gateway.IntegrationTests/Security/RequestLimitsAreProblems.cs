using System.Text;

namespace LedgerX.Gateway.IntegrationTests.Security;

/// <summary>Oversized URLs, headers and bodies are refused at the gateway as problems that name the limit, before any
/// service sees them.</summary>
public sealed class RequestLimitsAreProblems(GatewayHost gateway) : IClassFixture<GatewayHost>
{
    [Fact]
    public async Task ALongUrlIs414()
    {
        gateway.ClearUpstreams();

        using var response = await gateway.SendAsync(HttpMethod.Get, "/api/v1/accounts?q=" + new string('a', 2_100));

        (await response.ShouldBeProblemAsync(414, "url_too_long")).GetProperty("maxUrlLength").GetInt32().ShouldBe(2_048);
        gateway.UpstreamHits.ShouldBe(0);
    }

    [Fact]
    public async Task TooManyHeadersAre431()
    {
        gateway.ClearUpstreams();
        using var request = gateway.Authorized(HttpMethod.Get, "/api/v1/accounts");
        for (var i = 0; i < 60; i++)
        {
            request.Headers.TryAddWithoutValidation($"X-Filler-{i}", "x");
        }

        using var response = await gateway.Client.SendAsync(request);

        (await response.ShouldBeProblemAsync(431, "headers_too_large")).GetProperty("maxHeaderCount").GetInt32().ShouldBe(50);
        gateway.UpstreamHits.ShouldBe(0);
    }

    [Fact]
    public async Task HugeHeadersAre431()
    {
        gateway.ClearUpstreams();
        using var request = gateway.Authorized(HttpMethod.Get, "/api/v1/accounts");
        request.Headers.TryAddWithoutValidation("X-Filler", new string('x', 17_000));

        using var response = await gateway.Client.SendAsync(request);

        await response.ShouldBeProblemAsync(431, "headers_too_large");
        gateway.UpstreamHits.ShouldBe(0);
    }

    [Fact]
    public async Task ALargeBodyIs413()
    {
        gateway.ClearUpstreams();
        using var request = gateway.Authorized(HttpMethod.Post, "/api/v1/transfers");
        request.Content = new StringContent("{\"description\":\"" + new string('x', 70_000) + "\"}", Encoding.UTF8, "application/json");

        using var response = await gateway.Client.SendAsync(request);

        (await response.ShouldBeProblemAsync(413, "request_too_large")).GetProperty("maxBodyBytes").GetInt64().ShouldBe(65_536);
        gateway.UpstreamHits.ShouldBe(0);
    }

    [Fact]
    public async Task AStreamedBodyOverTheLimitIs413()
    {
        gateway.ClearUpstreams();

        var (status, response) = await RawHttp.SendAsync(gateway.Port, "/api/v1/transfers", "POST",
            [$"Authorization: {gateway.Tokens.Bearer()}"], chunkedBodyBytes: 100_000);

        status.ShouldBe(413, response);
        response.ShouldContain("application/problem+json");
        gateway.Transactions.ApiRequests.ShouldBeEmpty();
    }
}
