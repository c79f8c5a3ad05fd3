using System.Net;

namespace LedgerX.Gateway.IntegrationTests.Security;

/// <summary>No request reaches a host, app or path other than the one its route names: headers that address the
/// sidecar are dropped, traversal is refused, and the target's host part is ignored.</summary>
public sealed class ClientsCannotChooseTheTarget(GatewayHost gateway) : IClassFixture<GatewayHost>
{
    [Fact]
    public async Task ADaprAppIdHeaderFromTheClientDoesNotChooseTheApp()
    {
        gateway.ClearUpstreams();
        using var request = gateway.Authorized(HttpMethod.Get, "/api/v1/accounts");
        request.Headers.TryAddWithoutValidation("dapr-app-id", gateway.Auth.AppId);
        request.Headers.TryAddWithoutValidation("dapr-api-token", "client-chosen");
        request.Headers.TryAddWithoutValidation("dapr-caller-app-id", "fraud-service");
        request.Headers.TryAddWithoutValidation("Forwarded", "for=10.0.0.1;host=evil.example");

        using var response = await gateway.Client.SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        gateway.Auth.ApiRequests.ShouldBeEmpty();
        var received = gateway.Transactions.ApiRequests.ShouldHaveSingleItem();
        received.Header("dapr-api-token").ShouldBeNull();
        received.Header("Forwarded").ShouldBeNull();
        received.Header("dapr-caller-app-id").ShouldNotBe("fraud-service");
    }

    [Fact]
    public async Task BasicAuthAddressingCannotRedirectTheCall()
    {
        gateway.ClearUpstreams();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/connect/token");
        // daprd's second addressing form: Basic credentials with user dapr-app-id.
        request.Headers.TryAddWithoutValidation("Authorization",
            "Basic " + Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("dapr-app-id:" + gateway.Transactions.AppId)));

        using var response = await gateway.Client.SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        gateway.Transactions.ApiRequests.ShouldBeEmpty();
        gateway.Auth.ApiRequests.ShouldHaveSingleItem();
    }

    [Fact]
    public async Task XForwardedHeadersFromAnUntrustedClientAreReplaced()
    {
        gateway.ClearUpstreams();
        using var request = gateway.Authorized(HttpMethod.Get, "/api/v1/accounts");
        request.Headers.TryAddWithoutValidation("X-Forwarded-For", "203.0.113.9");
        request.Headers.TryAddWithoutValidation("X-Forwarded-Host", "evil.example");

        using var response = await gateway.Client.SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var received = gateway.Transactions.ApiRequests.ShouldHaveSingleItem();
        (received.Header("X-Forwarded-For") ?? "").ShouldNotContain("203.0.113.9");
        (received.Header("X-Forwarded-Host") ?? "").ShouldNotContain("evil.example");
    }

    [Theory]
    [InlineData("/api/v1/accounts/../admin/rebuild")]
    [InlineData("/api/v1/accounts/./x")]
    [InlineData("/api/v1/accounts/%2e%2e/%2e%2e/v1/admin/rebuild")]
    [InlineData("/api/v1/accounts/x%2F..%2F..%2Fadmin%2Frebuild")]
    [InlineData("/api/v1/accounts/x%2f..%2fadmin")]
    [InlineData("/api/v1/accounts/x%5C..%5Cadmin")]
    [InlineData("/api/v1/accounts/x%252F..%252Fadmin")]
    [InlineData("/api/v1/accounts/..")]
    public async Task TraversalIsRefused(string target)
    {
        gateway.ClearUpstreams();

        var (status, response) = await RawHttp.SendAsync(gateway.Port, target, headers: [$"Authorization: {gateway.Tokens.Bearer()}"]);

        status.ShouldBe(400, response);
        response.ShouldContain("unsafe_path");
        gateway.UpstreamHits.ShouldBe(0);
    }

    [Fact]
    public async Task AnAbsoluteUriTargetIsNotForwardedToItsHost()
    {
        gateway.ClearUpstreams();

        var (status, response) = await RawHttp.SendAsync(gateway.Port, "http://evil.example/api/v1/accounts",
            headers: [$"Authorization: {gateway.Tokens.Bearer()}"], host: "evil.example");

        // Kestrel or the gateway refuses it; either way nothing is forwarded anywhere.
        status.ShouldBe(400, response);
        gateway.UpstreamHits.ShouldBe(0);
    }

    [Fact]
    public async Task TheHostHeaderDoesNotChooseTheTarget()
    {
        gateway.ClearUpstreams();

        var (status, response) = await RawHttp.SendAsync(gateway.Port, "/api/v1/alerts",
            headers: [$"Authorization: {gateway.Tokens.Bearer()}"], host: "transaction-service");

        status.ShouldBe(200, response);
        gateway.Fraud.ApiRequests.ShouldHaveSingleItem();
        gateway.Transactions.ApiRequests.ShouldBeEmpty();
    }
}
