using System.Net;
using System.Text.Json;
using LedgerX.Transactions.IntegrationTests.Infrastructure;

namespace LedgerX.Transactions.IntegrationTests.Ledger;

/// <summary>
/// Runs alone: every service host in this test process creates a meter named "LedgerX.Transactions", and .NET's meter
/// listeners are process-wide, so another test's host starting or stopping at the same time can take over or end the
/// metric streams this host's /metrics exports. In production there is one host per process.
/// </summary>
[CollectionDefinition(nameof(MetricsRunAlone), DisableParallelization = true)]
public sealed class MetricsRunAlone;

/// <summary>What operators and client developers see besides the API itself: health, metrics, the OpenAPI document.</summary>
[Collection(nameof(MetricsRunAlone))]
public sealed class ServiceSurface(LedgerApi api) : IClassFixture<LedgerApi>
{
    [Fact]
    public async Task Liveness_IsUp_WhileReadiness_ChecksTheDatabaseAndTheSidecar()
    {
        var live = await api.Client.GetAsync("/healthz");
        var ready = await api.Client.GetAsync("/readyz");

        live.StatusCode.ShouldBe(HttpStatusCode.OK);
        // No sidecar runs in this fixture: not ready, and the report says which check failed and that the database is fine.
        ready.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        using var report = JsonDocument.Parse(await ready.Content.ReadAsStringAsync());
        var checks = report.RootElement.GetProperty("checks").EnumerateArray()
            .ToDictionary(c => c.GetProperty("name").GetString()!, c => c.GetProperty("status").GetString());
        checks["postgres"].ShouldBe("Healthy");
        checks["dapr-sidecar"].ShouldBe("Unhealthy");
    }

    [Fact]
    public async Task Metrics_ReportTheWriterAndTheOutboxBacklog()
    {
        var account = await api.OpenAccountAsync("metered");
        await api.DepositAsync(account.Id, 10);

        string metrics = "";
        var deadline = DateTime.UtcNow.AddSeconds(10);
        do
        {
            await Task.Delay(200);
            metrics = await api.Client.GetStringAsync("/metrics");
        }
        while (!ShowsABacklog(metrics) && DateTime.UtcNow < deadline);

        metrics.ShouldContain("ledgerx_ledger_commands_total");
        metrics.ShouldContain("ledgerx_ledger_batch_size");
        // Millisecond buckets, so a dashboard can show how long group commits take.
        metrics.Split('\n').ShouldContain(line => line.StartsWith("ledgerx_ledger_batch_duration_seconds_bucket", StringComparison.Ordinal)
                                                   && line.Contains("le=\"0.005\"", StringComparison.Ordinal));
        metrics.ShouldContain("ledgerx_outbox_publish_failures_total");
        // Nothing can be published without a sidecar, so the backlog is visible.
        ShowsABacklog(metrics).ShouldBeTrue(metrics);
    }

    private static bool ShowsABacklog(string metrics) =>
        metrics.Split('\n').Any(line => line.StartsWith("ledgerx_outbox_pending", StringComparison.Ordinal) && !line.EndsWith(" 0", StringComparison.Ordinal));

    [Fact]
    public async Task TheOpenApiDocument_DescribesEveryRoute_AndTheReferencePageIsServed()
    {
        using var document = JsonDocument.Parse(await api.Client.GetStringAsync("/openapi/v1.json"));
        var paths = document.RootElement.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();

        paths.ShouldBe([
            "/api/v1/accounts", "/api/v1/accounts/{id}", "/api/v1/accounts/{id}/history", "/api/v1/accounts/{id}/freeze",
            "/api/v1/accounts/{id}/unfreeze", "/api/v1/accounts/{id}/close", "/api/v1/deposits", "/api/v1/withdrawals",
            "/api/v1/transfers", "/api/v1/entries", "/api/v1/entries/{id}", "/api/v1/holds", "/api/v1/holds/{id}",
            "/api/v1/holds/{id}/post", "/api/v1/holds/{id}/void", "/api/v1/ledger/verify", "/api/v1/ledger/events",
            "/api/v1/reversals", "/api/v1/reversals/{id}", "/api/v1/reversals/{id}/approval",
        ], ignoreOrder: true);
        (await api.Client.GetAsync("/scalar/v1")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }
}
