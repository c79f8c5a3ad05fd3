using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LedgerX.Analytics.IntegrationTests.Infrastructure;

namespace LedgerX.Analytics.IntegrationTests.ReadModels;

/// <summary>The OpenAPI document is true: every status it documents for an operation is produced here. A newly
/// documented operation or status without a request below fails.</summary>
[Collection(LedgerAndAnalyticsCollection.Name)]
public sealed class OpenApiDocumentIsTrue(LedgerAndAnalytics env)
{
    private static readonly Guid Someone = Guid.CreateVersion7();

    [Fact]
    public async Task EveryStatusTheDocumentPromises_IsProduced()
    {
        var document = (await env.Analytics.Client.GetFromJsonAsync<JsonObject>("/openapi/v1.json"))!;
        var account = $"/api/v1/accounts/{Someone}";
        var produce = new Dictionary<(string Operation, int Status), Func<Task<HttpResponseMessage>>>
        {
            [("GetBalanceHistory", 200)] = () => Get($"{account}/balance-history"),
            [("GetBalanceHistory", 400)] = () => Get($"{account}/balance-history?limit=abc"),
            [("GetSpending", 200)] = () => Get($"{account}/spending"),
            [("GetSpending", 400)] = () => Get($"{account}/spending?fromMonth=2026-13"),
            [("GetTopCounterparties", 200)] = () => Get($"{account}/counterparties"),
            [("GetTopCounterparties", 400)] = () => Get($"{account}/counterparties?limit=0"),
            [("GetAccountAlerts", 200)] = () => Get($"{account}/alerts"),
            [("GetAccountAlerts", 400)] = () => Get($"{account}/alerts?from=yesterday"),
            [("GetDailyVolumes", 200)] = () => Get("/api/v1/ledger/volumes/daily"),
            [("GetDailyVolumes", 400)] = () => Get("/api/v1/ledger/volumes/daily?currency=eur"),
            [("GetDailyActivity", 200)] = () => Get("/api/v1/ledger/activity/daily"),
            [("GetDailyActivity", 400)] = () => Get("/api/v1/ledger/activity/daily?to=%00"),
            [("GetDailyAlerts", 200)] = () => Get("/api/v1/ledger/alerts/daily"),
            [("GetDailyAlerts", 400)] = () => Get("/api/v1/ledger/alerts/daily?from=2026-02-30"),
            [("RebuildReadModels", 200)] = () => env.Analytics.Client.PostAsync("/api/v1/admin/rebuild", null),
        };

        var documented = document["paths"]!.AsObject().SelectMany(path => path.Value!.AsObject().SelectMany(operation =>
            operation.Value!["responses"]!.AsObject().Select(response =>
                (operation.Value!["operationId"]!.GetValue<string>(), int.Parse(response.Key, System.Globalization.CultureInfo.InvariantCulture)))));
        documented.ShouldBe(produce.Keys, ignoreOrder: true);
        foreach (var ((operation, status), send) in produce)
        {
            using var response = await send();
            ((int)response.StatusCode).ShouldBe(status, $"{operation}: {await response.Content.ReadAsStringAsync()}");
        }
    }

    private Task<HttpResponseMessage> Get(string url) => env.Analytics.Client.GetAsync(url);
}
