using System.Net;

namespace LedgerX.Gateway.IntegrationTests.Routing;

/// <summary>Every route group of every service, in both API versions, reaches that service (through the sidecars) with
/// the path and query unchanged; paths no route claims reach nobody.</summary>
public sealed class RoutesReachTheirService(GatewayHost gateway) : IClassFixture<GatewayHost>
{
    private const string Id = "0190b7a2-7a53-7c4e-9f0e-2a1b3c4d5e6f";

    public static TheoryData<string, string, string> Routes()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var v in new[] { "v1", "v2" })
        {
            data.Add("POST", $"/api/{v}/accounts", "transactions");
            data.Add("GET", $"/api/{v}/accounts?limit=5", "transactions");
            data.Add("GET", $"/api/{v}/accounts/{Id}", "transactions");
            data.Add("GET", $"/api/{v}/accounts/{Id}/history", "transactions");
            data.Add("POST", $"/api/{v}/accounts/{Id}/freeze", "transactions");
            data.Add("POST", $"/api/{v}/holds", "transactions");
            data.Add("POST", $"/api/{v}/holds/{Id}/void", "transactions");
            data.Add("POST", $"/api/{v}/deposits", "transactions");
            data.Add("POST", $"/api/{v}/withdrawals", "transactions");
            data.Add("POST", $"/api/{v}/transfers", "transactions");
            data.Add("GET", $"/api/{v}/entries/{Id}", "transactions");
            data.Add("POST", $"/api/{v}/reversals/{Id}/approval", "transactions");
            data.Add("GET", $"/api/{v}/ledger/verify", "transactions");
            data.Add("GET", $"/api/{v}/ledger/events?after=0", "transactions");
            data.Add("GET", $"/api/{v}/alerts?status=open", "fraud");
            data.Add("POST", $"/api/{v}/alerts/{Id}/acknowledge", "fraud");
            data.Add("GET", $"/api/{v}/accounts/{Id}/risk-profile", "fraud");
            data.Add("GET", $"/api/{v}/accounts/{Id}/balance-history", "analytics");
            data.Add("GET", $"/api/{v}/accounts/{Id}/spending", "analytics");
            data.Add("GET", $"/api/{v}/accounts/{Id}/counterparties", "analytics");
            data.Add("GET", $"/api/{v}/accounts/{Id}/alerts", "analytics");
            data.Add("GET", $"/api/{v}/ledger/volumes/daily", "analytics");
            data.Add("GET", $"/api/{v}/ledger/activity/daily", "analytics");
            data.Add("POST", $"/api/{v}/admin/rebuild", "analytics");
            data.Add("GET", $"/api/{v}/users/me", "auth");
            data.Add("PUT", $"/api/{v}/admin/users/{Id}/roles/teller", "auth");
            data.Add("GET", $"/api/{v}/audit/events", "auth");
        }
        // notification-service has only v1.
        data.Add("GET", "/api/v1/notifications", "notifications");
        data.Add("PUT", "/api/v1/notifications/preferences", "notifications");
        data.Add("POST", $"/api/v1/notifications/dead-letters/email/{Id}/replay", "notifications");
        data.Add("POST", "/api/v1/webhooks", "notifications");
        data.Add("GET", $"/api/v1/webhooks/{Id}/deliveries", "notifications");
        // nlp-service has only v1.
        data.Add("POST", "/api/v1/questions", "nlp");
        data.Add("GET", $"/api/v1/questions/{Id}", "nlp");
        data.Add("POST", $"/api/v1/questions/{Id}/cancel", "nlp");
        data.Add("GET", "/api/v1/nlp/dead-letters", "nlp");
        return data;
    }

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task ReachesTheServiceThatOwnsThePath(string method, string path, string cluster)
    {
        gateway.ClearUpstreams();

        using var response = await gateway.SendAsync(new HttpMethod(method), path);

        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var target = Upstream(cluster);
        var received = target.ApiRequests.ShouldHaveSingleItem();
        received.Method.ShouldBe(method);
        (received.Path + received.Query).ShouldBe(path);
        gateway.UpstreamHits.ShouldBe(1);
    }

    [Theory]
    [InlineData("POST", "/connect/token")]
    [InlineData("GET", "/connect/authorize?client_id=cli")]
    [InlineData("GET", "/.well-known/openid-configuration")]
    [InlineData("GET", "/.well-known/jwks")]
    [InlineData("GET", "/account/login?returnUrl=%2Fconnect%2Fauthorize")]
    [InlineData("POST", "/api/v1/users/register")]
    [InlineData("POST", "/api/v1/users/confirm")]
    [InlineData("POST", "/api/v2/users/password/forgot")]
    [InlineData("POST", "/api/v1/users/password/reset")]
    public async Task SignInAndRegistrationReachAuthServiceWithoutAToken(string method, string path)
    {
        gateway.ClearUpstreams();
        using var request = new HttpRequestMessage(new HttpMethod(method), path);

        using var response = await gateway.Client.SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        gateway.Auth.ApiRequests.ShouldHaveSingleItem().Path.ShouldBe(path.Split('?')[0]);
    }

    [Theory]
    [InlineData("/api/v3/accounts")]
    [InlineData("/api/accounts")]
    [InlineData("/api/v1/nothing-here")]
    [InlineData("/v1.0/invoke/transaction-service/method/api/v1/accounts")]
    [InlineData("/v1.0/state/statestore/balance")]
    [InlineData("/events/transaction-posted")]
    public async Task PathsNoRouteClaimsReachNobody(string path)
    {
        gateway.ClearUpstreams();

        using var response = await gateway.SendAsync(HttpMethod.Get, path);

        await response.ShouldBeProblemAsync(404, "not_found");
        gateway.UpstreamHits.ShouldBe(0);
    }

    [Fact]
    public async Task TheSidecarsStartupQuestionsAreAnsweredWithoutATokenAndReachNobody()
    {
        gateway.ClearUpstreams();

        using var subscribe = await gateway.Client.GetAsync("/dapr/subscribe");
        using var config = await gateway.Client.GetAsync("/dapr/config");

        // 404 is daprd's "none" for both; a client asking learns nothing more.
        subscribe.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        config.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        gateway.UpstreamHits.ShouldBe(0);
    }

    private FakeUpstream Upstream(string cluster) => cluster switch
    {
        "transactions" => gateway.Transactions,
        "fraud" => gateway.Fraud,
        "analytics" => gateway.Analytics,
        "notifications" => gateway.Notifications,
        "nlp" => gateway.Nlp,
        _ => gateway.Auth,
    };
}
