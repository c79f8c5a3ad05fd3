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

        // The subscription commits the projection, then bumps the cache version: between the two a query may still
        // be answered from the old entry. The first answer that shows the new event must be computed, not cached.
        var (third, thirdCache) = await FirstAnswerShowingAsync(url, amount: 350);
        thirdCache.ShouldBe("miss");
        Amount(third).ShouldBe(350);
    }

    private async Task<(JsonObject Body, string Cache)> FirstAnswerShowingAsync(string url, long amount)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            var answer = await GetAsync(url);
            if (Amount(answer.Body) == amount || DateTime.UtcNow > deadline)
            {
                return answer;
            }
            answer.Cache.ShouldBe("hit", "an answer without the new event can only be the old cached one");
            await Task.Delay(50);
        }
    }

    private async Task<(JsonObject Body, string Cache)> GetAsync(string url)
    {
        var response = await env.Analytics.Client.GetAsync(url);
        await LedgerAndAnalytics.ExpectAsync(response, HttpStatusCode.OK);
        return ((await response.Content.ReadFromJsonAsync<JsonObject>())!, response.Headers.GetValues("X-Cache").Single());
    }

    private static long Amount(JsonObject spending) => spending["items"]!.AsArray().Single()!["amountMinor"]!.GetValue<long>();
}
