using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LedgerX.Analytics.IntegrationTests.Infrastructure;

namespace LedgerX.Analytics.IntegrationTests.ReadModels;

/// <summary>Answers are cached in the Dapr state store and a new event makes the cached answer unreachable.</summary>
[Collection(LedgerAndAnalyticsCollection.Name)]
public sealed class QueryCaching(LedgerAndAnalytics env)
{
    [Fact]
    public async Task ARepeatedQuery_IsServedFromTheCache_UntilANewEventChangesTheAnswer()
    {
        var heidi = await env.OpenAccountAsync("heidi-cache");
        var ivan = await env.OpenAccountAsync("ivan-cache");
        await env.DepositAsync(heidi, 2_000);
        await env.TransferAsync(heidi, ivan, 100, category: "coffee");
        await env.WaitUntilLedgerLogAppliedAsync();
        var url = $"/api/v1/accounts/{heidi}/spending";

        var (first, firstCache) = await GetAsync(url);
        var (second, secondCache) = await GetAsync(url);
        firstCache.ShouldBe("miss");
        secondCache.ShouldBe("hit");
        Amount(second).ShouldBe(100);
        Amount(first).ShouldBe(100);

        await env.TransferAsync(heidi, ivan, 250, category: "coffee");
        await env.WaitUntilLedgerLogAppliedAsync();

        // Applied means acknowledged, and the subscription acknowledges only after moving the account's cache
        // version: the old entry is unreachable, so the very next answer is computed and shows the new event.
        var (third, thirdCache) = await GetAsync(url);
        thirdCache.ShouldBe("miss");
        Amount(third).ShouldBe(350);
        var (_, fourthCache) = await GetAsync(url);
        fourthCache.ShouldBe("hit");
    }

    private async Task<(JsonObject Body, string Cache)> GetAsync(string url)
    {
        var response = await env.Analytics.Client.GetAsync(url);
        await LedgerAndAnalytics.ExpectAsync(response, HttpStatusCode.OK);
        return ((await response.Content.ReadFromJsonAsync<JsonObject>())!, response.Headers.GetValues("X-Cache").Single());
    }

    private static long Amount(JsonObject spending) => spending["items"]!.AsArray().Single()!["amountMinor"]!.GetValue<long>();
}
