using System.Net;
using Microsoft.AspNetCore.TestHost;
using OpenTelemetry.Exporter;

namespace LedgerX.ServiceDefaults.Tests;

public sealed class MetricsEndpointTests
{
    [Fact]
    public async Task Metrics_ExposeTheHttpServerDurationOfAServedRequest_InPrometheusText()
    {
        var builder = SampleService.CreateBuilder();
        // The exporter caches a scrape briefly; polling below must see fresh numbers.
        builder.Services.Configure<PrometheusAspNetCoreOptions>(options => options.ScrapeResponseCacheDurationMilliseconds = 0);
        await using var app = await SampleService.StartAsync(builder);
        using var client = app.GetTestClient();
        var cancellationToken = TestContext.Current.CancellationToken;

        (await client.GetStringAsync(new Uri("/ping", UriKind.Relative), cancellationToken)).ShouldBe("pong");

        // The server records a request's duration just after its response completes, so allow it a moment.
        var scrape = "";
        for (var attempt = 0; attempt < 50 && !scrape.Contains("http_route=\"/ping\"", StringComparison.Ordinal); attempt++)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(20), cancellationToken);
            using var response = await client.GetAsync(new Uri("/metrics", UriKind.Relative), cancellationToken);
            response.StatusCode.ShouldBe(HttpStatusCode.OK);
            response.Content.Headers.ContentType?.MediaType.ShouldBe("text/plain");
            scrape = await response.Content.ReadAsStringAsync(cancellationToken);
        }

        scrape.Split('\n').ShouldContain(line =>
            line.StartsWith("http_server_request_duration_seconds_count{", StringComparison.Ordinal)
            && line.Contains("http_route=\"/ping\"", StringComparison.Ordinal));
    }
}
