using System.Net;

namespace LedgerX.Gateway.IntegrationTests.Tracing;

/// <summary>The caller's W3C trace goes on through the gateway and the sidecars to the service; a request id is kept
/// when well formed, minted otherwise, forwarded and echoed.</summary>
public sealed class TraceContextAndRequestId(GatewayHost gateway) : IClassFixture<GatewayHost>
{
    [Fact]
    public async Task TheCallersTraceReachesTheServiceUnderANewParent()
    {
        gateway.ClearUpstreams();
        const string traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        const string parent = "00f067aa0ba902b7";
        // Written by hand: the test's own HttpClient would add its own trace to the request.
        var (status, response) = await RawHttp.SendAsync(gateway.Port, "/api/v1/accounts",
            headers: [$"Authorization: {gateway.Tokens.Bearer()}", $"traceparent: 00-{traceId}-{parent}-01"]);

        status.ShouldBe(200, response);
        var traceparent = gateway.Transactions.ApiRequests.ShouldHaveSingleItem().Header("traceparent").ShouldNotBeNull();
        var parts = traceparent.Split('-');
        parts[1].ShouldBe(traceId);
        parts[2].ShouldNotBe(parent);
    }

    [Fact]
    public async Task ARequestWithoutATraceStartsOne()
    {
        gateway.ClearUpstreams();

        using var response = await gateway.SendAsync(HttpMethod.Get, "/api/v1/alerts");

        var traceparent = gateway.Fraud.ApiRequests.ShouldHaveSingleItem().Header("traceparent").ShouldNotBeNull();
        traceparent.ShouldMatch("^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$");
    }

    [Fact]
    public async Task AWellFormedRequestIdIsKeptForwardedAndEchoed()
    {
        gateway.ClearUpstreams();
        using var request = gateway.Authorized(HttpMethod.Get, "/api/v1/accounts");
        request.Headers.TryAddWithoutValidation("X-Request-Id", "client-req-42");

        using var response = await gateway.Client.SendAsync(request);

        response.Headers.GetValues("X-Request-Id").ShouldHaveSingleItem().ShouldBe("client-req-42");
        gateway.Transactions.ApiRequests.ShouldHaveSingleItem().Header("X-Request-Id").ShouldBe("client-req-42");
    }

    [Theory]
    [InlineData("")]
    [InlineData("has spaces and\ttabs")]
    [InlineData("{\"json\":1}")]
    public async Task AMalformedOrMissingRequestIdIsReplaced(string sent)
    {
        gateway.ClearUpstreams();
        using var request = gateway.Authorized(HttpMethod.Get, "/api/v1/accounts");
        if (sent.Length > 0)
        {
            request.Headers.TryAddWithoutValidation("X-Request-Id", sent);
        }

        using var response = await gateway.Client.SendAsync(request);

        var id = response.Headers.GetValues("X-Request-Id").ShouldHaveSingleItem();
        Guid.TryParse(id, out _).ShouldBeTrue();
        gateway.Transactions.ApiRequests.ShouldHaveSingleItem().Header("X-Request-Id").ShouldBe(id);
    }

    [Fact]
    public async Task RefusalsAtTheGatewayCarryARequestIdToo()
    {
        using var response = await gateway.Client.GetAsync("/api/v1/accounts");

        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        response.Headers.Contains("X-Request-Id").ShouldBeTrue();
    }
}
