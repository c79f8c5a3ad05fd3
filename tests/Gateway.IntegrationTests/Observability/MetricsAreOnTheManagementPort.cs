using System.Globalization;
using System.Net;

namespace LedgerX.Gateway.IntegrationTests.Observability;

/// <summary>The gateway with its management listener (<c>Gateway:MetricsUrl</c>) on a free loopback port, as
/// dapr.yaml gives it 9581 and the chart 9464.</summary>
public sealed class GatewayWithMetricsListener : GatewayHost
{
    public int MetricsPort { get; } = FreePorts.Next();

    public Uri MetricsUrl => new($"http://127.0.0.1:{MetricsPort.ToString(CultureInfo.InvariantCulture)}/");

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Gateway:MetricsUrl"] = MetricsUrl.ToString().TrimEnd('/'),
    };
}

/// <summary>
/// Clients reach the gateway, so its <c>/metrics</c> is not where they call: the public listener answers it like any
/// unrouted path, and the metrics (of the public traffic) are scraped from the management listener, which serves
/// nothing else (docs/security.md).
/// </summary>
public sealed class MetricsAreOnTheManagementPort(GatewayWithMetricsListener gateway) : IClassFixture<GatewayWithMetricsListener>
{
    [Fact]
    public async Task MetricsThroughThePublicListenerAre404()
    {
        int hitsBefore = gateway.UpstreamHits;

        using var withToken = await gateway.SendAsync(HttpMethod.Get, "/metrics");
        using var anonymous = await gateway.Client.GetAsync("/metrics");

        await withToken.ShouldBeProblemAsync(404, "not_found");
        // Without a token the token check answers first (401), as for every unrouted path: no metric either way.
        anonymous.StatusCode.ShouldBeOneOf(HttpStatusCode.Unauthorized, HttpStatusCode.NotFound);
        (await anonymous.Content.ReadAsStringAsync()).ShouldNotContain("http_server_request_duration");
        gateway.UpstreamHits.ShouldBe(hitsBefore, "/metrics is not forwarded to any service either");
    }

    [Fact]
    public async Task TheManagementListenerServesTheMetricsOfThePublicTraffic()
    {
        using var served = await gateway.SendAsync(HttpMethod.Get, "/api/v1/accounts");
        served.StatusCode.ShouldBe(HttpStatusCode.OK);
        using var scraper = new HttpClient { BaseAddress = gateway.MetricsUrl, Timeout = TimeSpan.FromSeconds(10) };

        // Histograms are exported at collection; the scrape that follows a request sees it.
        string metrics = await scraper.GetStringAsync("metrics");

        metrics.ShouldContain("http_server_request_duration_seconds_count{");
        metrics.ShouldContain("http_route=\"/api/{version:regex(^v[12]$)}/accounts/{**rest}\"", Case.Sensitive,
            "the public request to the ledger's accounts route, counted by the ASP.NET Core instrumentation");
    }

    [Fact]
    public async Task TheManagementListenerServesNothingElse()
    {
        int hitsBefore = gateway.UpstreamHits;
        using var scraper = new HttpClient { BaseAddress = gateway.MetricsUrl, Timeout = TimeSpan.FromSeconds(10) };
        using var request = new HttpRequestMessage(HttpMethod.Get, "api/v1/accounts");
        request.Headers.Authorization = gateway.Tokens.Bearer("alice");

        using var response = await scraper.SendAsync(request);

        ((int)response.StatusCode).ShouldBeGreaterThanOrEqualTo(400);
        gateway.UpstreamHits.ShouldBe(hitsBefore, "the management listener is not a second way into the API");
    }
}
