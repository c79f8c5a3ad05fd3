using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LedgerX.Analytics.IntegrationTests.Infrastructure;

namespace LedgerX.Analytics.IntegrationTests.ReadModels;

/// <summary>Each version's OpenAPI document is true: every status it documents for an operation is produced here (401
/// without a token, 403 without the permission, 404 for an account the caller may not read). A newly documented
/// operation or status without a request below fails.</summary>
[Collection(LedgerAndAnalyticsCollection.Name)]
public sealed class OpenApiDocumentIsTrue(LedgerAndAnalytics env)
{
    private static readonly Guid Someone = Guid.CreateVersion7();
    private static readonly Caller Stranger = Callers.Customer("openapi-stranger");

    [Theory]
    [InlineData("v1")]
    [InlineData("v2")]
    public async Task EveryStatusTheDocumentPromises_IsProduced(string version)
    {
        var document = (await env.Analytics.Client.GetFromJsonAsync<JsonObject>($"/openapi/{version}.json"))!;
        var suffix = version == "v1" ? "" : "V2";
        var api = $"/api/{version}";
        var account = $"{api}/accounts/{Someone}";
        var produce = new Dictionary<(string Operation, int Status), Func<Task<HttpResponseMessage>>>();
        foreach (var (operation, path, bad) in new[]
                 {
                     ("GetBalanceHistory", $"{account}/balance-history", "limit=abc"), ("GetSpending", $"{account}/spending", "fromMonth=2026-13"),
                     ("GetTopCounterparties", $"{account}/counterparties", "limit=0"), ("GetAccountAlerts", $"{account}/alerts", "from=yesterday"),
                 })
        {
            produce[(operation, 200)] = () => Get(path);
            produce[(operation, 400)] = () => Get($"{path}?{bad}");
            produce[(operation, 401)] = () => Get(path, caller: null);
            produce[(operation, 403)] = () => Get(path, Callers.Nobody);
            produce[(operation, 404)] = () => Get(path, Stranger);
        }
        foreach (var (operation, path, bad) in new[]
                 {
                     ("GetDailyVolumes", $"{api}/ledger/volumes/daily", "currency=eur"), ("GetDailyActivity", $"{api}/ledger/activity/daily", "to=%00"),
                     ("GetDailyAlerts", $"{api}/ledger/alerts/daily", "from=2026-02-30"),
                 })
        {
            produce[(operation, 200)] = () => Get(path);
            produce[(operation, 400)] = () => Get($"{path}?{bad}");
            produce[(operation, 401)] = () => Get(path, caller: null);
            // A customer's analytics:read is not enough for figures over everyone's money.
            produce[(operation, 403)] = () => Get(path, Stranger);
        }
        var rebuild = $"{api}/admin/rebuild";
        produce[("RebuildReadModels", 200)] = () => env.Analytics.Client.PostAsync(rebuild, null);
        produce[("RebuildReadModels", 401)] = () => env.Analytics.Client.SendAsAsync(new HttpRequestMessage(HttpMethod.Post, rebuild), null);
        produce[("RebuildReadModels", 403)] = () => env.Analytics.Client.SendAsAsync(new HttpRequestMessage(HttpMethod.Post, rebuild), Callers.Auditor);

        var documented = document["paths"]!.AsObject().SelectMany(path => path.Value!.AsObject().SelectMany(operation =>
            operation.Value!["responses"]!.AsObject().Select(response =>
                (operation.Value!["operationId"]!.GetValue<string>(), int.Parse(response.Key, System.Globalization.CultureInfo.InvariantCulture)))));
        documented.ShouldBe(produce.Keys.Select(k => (k.Operation + suffix, k.Status)), ignoreOrder: true);
        document["paths"]!.AsObject().Select(p => p.Key).ShouldAllBe(p => p.StartsWith(api + "/", StringComparison.Ordinal));
        foreach (var ((operation, status), send) in produce)
        {
            using var response = await send();
            ((int)response.StatusCode).ShouldBe(status, $"{operation}: {await response.Content.ReadAsStringAsync()}");
        }
    }

    private Task<HttpResponseMessage> Get(string url) => env.Analytics.Client.GetAsync(url);

    private Task<HttpResponseMessage> Get(string url, Caller? caller) => env.Analytics.Client.GetAsAsync(url, caller);
}
