using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using LedgerX.Analytics.IntegrationTests.Infrastructure;
using LedgerX.LocalDapr.PubSub;

namespace LedgerX.Analytics.IntegrationTests.ReadModels;

/// <summary>Events the real transaction-service publishes reach analytics-service through the sidecars and build its read models.</summary>
[Collection(LedgerAndAnalyticsCollection.Name)]
public sealed class LiveProjection(LedgerAndAnalytics env)
{
    private HttpClient Analytics => env.Analytics.Client;

    [Fact]
    public async Task LedgerEvents_BuildBalancesSpendingCounterpartiesAndVolumes()
    {
        var alice = await env.OpenAccountAsync("alice-live");
        var bob = await env.OpenAccountAsync("bob-live");
        await env.DepositAsync(alice, 10_000);
        await env.TransferAsync(alice, bob, 3_000, category: "rent");
        await env.TransferAsync(alice, bob, 450, category: "groceries");
        await env.TransferAsync(bob, alice, 50);
        await env.WaitUntilLedgerLogAppliedAsync();

        var history = await Analytics.GetFromJsonAsync<JsonObject>($"/api/v1/accounts/{alice}/balance-history", LedgerAndAnalytics.Json);
        history!["items"]!.AsArray().Select(p => p!["balanceMinor"]!.GetValue<long>()).ShouldBe([10_000L, 7_000L, 6_550L, 6_600L]);

        var spending = await Analytics.GetFromJsonAsync<JsonObject>($"/api/v1/accounts/{alice}/spending", LedgerAndAnalytics.Json);
        spending!["items"]!.AsArray().Select(s => (s!["category"]!.GetValue<string>(), s["amountMinor"]!.GetValue<long>()))
            .ShouldBe([("rent", 3_000L), ("groceries", 450L)]);

        // Largest first: the deposit's world account (10,000 in), then bob (3,450 out, 50 in).
        var counterparties = await Analytics.GetFromJsonAsync<JsonObject>($"/api/v1/accounts/{alice}/counterparties?limit=2", LedgerAndAnalytics.Json);
        var items = counterparties!["items"]!.AsArray();
        items.Count.ShouldBe(2);
        items[0]!["receivedMinor"]!.GetValue<long>().ShouldBe(10_000);
        items[1]!["counterpartyId"]!.GetValue<Guid>().ShouldBe(bob);
        items[1]!["sentMinor"]!.GetValue<long>().ShouldBe(3_450);
        items[1]!["receivedMinor"]!.GetValue<long>().ShouldBe(50);
        items[1]!["entries"]!.GetValue<long>().ShouldBe(3);

        var volumes = await Analytics.GetFromJsonAsync<JsonObject>("/api/v1/ledger/volumes/daily?currency=EUR", LedgerAndAnalytics.Json);
        volumes!["items"]!.AsArray().ShouldContain(v => v!["kind"]!.GetValue<string>() == "transfer" && v["amountMinor"]!.GetValue<long>() >= 3_500);
    }

    [Fact]
    public async Task BalanceHistory_IsPagedByLedgerSequence()
    {
        var judy = await env.OpenAccountAsync("judy-pages");
        foreach (var amount in new long[] { 100, 200, 300 })
        {
            await env.DepositAsync(judy, amount);
        }
        await env.WaitUntilLedgerLogAppliedAsync();

        var first = await Analytics.GetFromJsonAsync<JsonObject>($"/api/v1/accounts/{judy}/balance-history?limit=2", LedgerAndAnalytics.Json);
        var cursor = first!["nextCursor"]!.GetValue<string>();
        var rest = await Analytics.GetFromJsonAsync<JsonObject>($"/api/v1/accounts/{judy}/balance-history?limit=2&after={cursor}", LedgerAndAnalytics.Json);

        first["items"]!.AsArray().Select(p => p!["balanceMinor"]!.GetValue<long>()).ShouldBe([100L, 300L]);
        rest!["items"]!.AsArray().Select(p => p!["balanceMinor"]!.GetValue<long>()).ShouldBe([600L]);
        rest["nextCursor"].ShouldBeNull();
    }

    [Fact]
    public async Task ADuplicateDelivery_IsAcknowledged_AndCountedOnce()
    {
        var carol = await env.OpenAccountAsync("carol-dup");
        var dave = await env.OpenAccountAsync("dave-dup");
        await env.DepositAsync(carol, 1_000);
        var entry = await env.TransferAsync(carol, dave, 400, category: "gifts");
        await env.WaitUntilLedgerLogAppliedAsync();
        var before = await env.DumpReadModelsAsync();

        // Deliver the transfer's event again, as a broker redelivery would: same topic, same CloudEvent id, same data.
        var logged = (await env.LedgerEventsAsync()).Single(e => e["payload"]!["entryId"]?.GetValue<Guid>() == entry["id"]!.GetValue<Guid>());
        var eventId = logged["eventId"]!.GetValue<string>();
        await env.Publisher.PublishEventAsync("pubsub", "transaction.posted.v1", JsonSerializer.SerializeToElement(logged["payload"]),
            new Dictionary<string, string> { ["cloudevent.id"] = eventId }, TestContext.Current.CancellationToken);
        await LedgerAndAnalytics.WaitUntilAsync(() => Task.FromResult(
            env.AnalyticsSidecar.PubSub.Deliveries.Count(d => d.CloudEventId == eventId && d.Outcome == DeliveryOutcome.Success) >= 2), "the second delivery");

        (await env.DumpReadModelsAsync()).ShouldBe(before);
        var spending = await Analytics.GetFromJsonAsync<JsonObject>($"/api/v1/accounts/{carol}/spending", LedgerAndAnalytics.Json);
        spending!["items"]!.AsArray().Single()!["amountMinor"]!.GetValue<long>().ShouldBe(400);
    }

    [Fact]
    public async Task FraudAlerts_AreCountedPerAccountAndDay()
    {
        var erin = await env.OpenAccountAsync("erin-fraud");
        var at = DateTimeOffset.UtcNow;
        foreach (var score in new[] { 72.5m, 91m })
        {
            // Stands in for fraud-service: its event carries more fields than analytics reads.
            await env.Publisher.PublishEventAsync("pubsub", "fraud.flagged.v1",
                new { eventId = Guid.CreateVersion7(), alertId = Guid.CreateVersion7(), accountId = erin, score, reasons = new[] { "velocity" }, occurredAt = at },
                TestContext.Current.CancellationToken);
        }

        await LedgerAndAnalytics.WaitUntilAsync(async () =>
        {
            var alerts = await Analytics.GetFromJsonAsync<JsonObject>($"/api/v1/accounts/{erin}/alerts", LedgerAndAnalytics.Json);
            return alerts!["totalAlerts"]!.GetValue<long>() == 2;
        }, "two alerts");
        var report = await Analytics.GetFromJsonAsync<JsonObject>($"/api/v1/accounts/{erin}/alerts", LedgerAndAnalytics.Json);
        report!["maxScore"]!.GetValue<decimal>().ShouldBe(91m);
    }

    [Fact]
    public async Task TheOpenApiDocument_ListsTheQueryApi()
    {
        var document = await Analytics.GetStringAsync("/openapi/v1.json");

        document.ShouldContain("/api/v1/accounts/{accountId}/spending");
        document.ShouldContain("/api/v1/ledger/volumes/daily");
        (await Analytics.GetAsync("/scalar/v1")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }
}
