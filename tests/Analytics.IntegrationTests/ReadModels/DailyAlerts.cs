using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LedgerX.Analytics.IntegrationTests.Infrastructure;

namespace LedgerX.Analytics.IntegrationTests.ReadModels;

/// <summary>GET /api/v1/ledger/alerts/daily over fraud alerts that arrived through pub/sub.</summary>
[Collection(LedgerAndAnalyticsCollection.Name)]
public sealed class DailyAlerts(LedgerAndAnalytics env)
{
    [Fact]
    public async Task CountsAlertsAndAccountsPerDay_WithTheHighestScore()
    {
        // A day of its own (years back), so alerts other tests publish today do not change the answer.
        var day = new DateTimeOffset(2025, 2, 14, 9, 0, 0, TimeSpan.Zero);
        var (erin, frank) = (Guid.CreateVersion7(), Guid.CreateVersion7());
        foreach (var (account, score, at) in new[] { (erin, 40m, day), (erin, 88.5m, day.AddHours(3)), (frank, 61m, day.AddHours(5)), (frank, 99m, day.AddDays(1)) })
        {
            // Stands in for fraud-service, as its event carries more fields than analytics reads.
            await env.Publisher.PublishEventAsync("pubsub", "fraud.flagged.v1",
                new { eventId = Guid.CreateVersion7(), alertId = Guid.CreateVersion7(), accountId = account, score, reasons = new[] { "velocity" }, occurredAt = at },
                TestContext.Current.CancellationToken);
        }
        await LedgerAndAnalytics.WaitUntilAsync(async () =>
            await env.ScalarAsync<long>("SELECT coalesce(sum(alerts), 0)::bigint FROM alert_counts WHERE account_id = ANY(@ids)", ("ids", new[] { erin, frank })) == 4,
            "four alerts");

        var response = await env.Analytics.Client.GetAsync("/api/v1/ledger/alerts/daily?from=2025-02-14&to=2025-02-15");

        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var items = (await response.Content.ReadFromJsonAsync<JsonObject>(LedgerAndAnalytics.Json))!["items"]!.AsArray();
        items.Select(i => (i!["day"]!.GetValue<string>(), i["alerts"]!.GetValue<long>(), i["accounts"]!.GetValue<long>(), i["maxScore"]!.GetValue<decimal>()))
            .ShouldBe([("2025-02-14", 3L, 2L, 88.5m), ("2025-02-15", 1L, 1L, 99m)]);
    }
}
