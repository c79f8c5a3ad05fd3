using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.TestHost;

namespace LedgerX.ServiceDefaults.Tests;

public sealed class HealthEndpointsTests
{
    [Fact]
    public async Task Liveness_IsHealthy_EvenWithoutASidecar()
    {
        await using var app = await SampleService.StartAsync();

        using var response = await app.GetTestClient().GetAsync(new Uri("/healthz", UriKind.Relative), TestContext.Current.CancellationToken);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await ReadChecksAsync(response)).ShouldBeEmpty();
    }

    [Fact]
    public async Task Readiness_Is503NamingTheSidecar_WhenNoSidecarListens()
    {
        await using var app = await SampleService.StartAsync();

        using var response = await app.GetTestClient().GetAsync(new Uri("/readyz", UriKind.Relative), TestContext.Current.CancellationToken);

        response.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        (await ReadChecksAsync(response)).ShouldContainKeyAndValue("dapr-sidecar", "Unhealthy");
    }

    [Fact]
    public async Task Readiness_Is200_WhenTheSidecarAnswers204()
    {
        await using var sidecar = await FakeSidecar.StartAsync(TimeSpan.Zero);
        await using var app = await SampleService.StartAsync(new Dictionary<string, string?>
        {
            ["DAPR_HTTP_ENDPOINT"] = sidecar.Address.ToString(),
        });

        using var response = await app.GetTestClient().GetAsync(new Uri("/readyz", UriKind.Relative), TestContext.Current.CancellationToken);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await ReadChecksAsync(response)).ShouldContainKeyAndValue("dapr-sidecar", "Healthy");
        sidecar.HealthzCalls.ShouldBe(1);
    }

    [Fact]
    public async Task Readiness_Is503WithinTheConfiguredTimeout_WhenTheSidecarHangs()
    {
        await using var sidecar = await FakeSidecar.StartAsync(TimeSpan.FromSeconds(10));
        await using var app = await SampleService.StartAsync(new Dictionary<string, string?>
        {
            ["DAPR_HTTP_PORT"] = sidecar.Address.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Health:DaprSidecar:TimeoutMs"] = "200",
        });

        var started = TimeProvider.System.GetTimestamp();
        using var response = await app.GetTestClient().GetAsync(new Uri("/readyz", UriKind.Relative), TestContext.Current.CancellationToken);

        response.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        TimeProvider.System.GetElapsedTime(started).ShouldBeLessThan(TimeSpan.FromSeconds(5));
        sidecar.HealthzCalls.ShouldBe(1);
    }

    [Fact]
    public async Task Readiness_Is503NamingTheDatabase_WhenPostgresIsDown()
    {
        await using var sidecar = await FakeSidecar.StartAsync(TimeSpan.Zero);
        var builder = SampleService.CreateBuilder(new Dictionary<string, string?>
        {
            ["DAPR_HTTP_ENDPOINT"] = sidecar.Address.ToString(),
            // The sidecar answers at once; the default 1 s budget was missed on a loaded 2-core machine, which
            // made this test about the database fail on the sidecar. The sidecar's own timeout has its own test.
            ["Health:DaprSidecar:TimeoutMs"] = "15000",
        });
        builder.Services.AddHealthChecks()
            .AddNpgSqlReadyCheck($"Host=127.0.0.1;Port={SampleService.FreePort()};Username=ledger;Password=secret", "ledger-db");
        await using var app = await SampleService.StartAsync(builder);

        using var response = await app.GetTestClient().GetAsync(new Uri("/readyz", UriKind.Relative), TestContext.Current.CancellationToken);

        response.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        var checks = await ReadChecksAsync(response);
        checks.ShouldContainKeyAndValue("ledger-db", "Unhealthy");
        checks.ShouldContainKeyAndValue("dapr-sidecar", "Healthy");
    }

    private static async Task<Dictionary<string, string>> ReadChecksAsync(HttpResponseMessage response)
    {
        response.Content.Headers.ContentType?.MediaType.ShouldBe("application/json");
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        return body.RootElement.GetProperty("checks").EnumerateArray().ToDictionary(
            check => check.GetProperty("name").GetString()!,
            check => check.GetProperty("status").GetString()!);
    }
}
