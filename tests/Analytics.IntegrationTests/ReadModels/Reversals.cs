using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LedgerX.Analytics.IntegrationTests.Infrastructure;

namespace LedgerX.Analytics.IntegrationTests.ReadModels;

/// <summary>A reversal saga run by the real transaction-service reaches the read models: its milestones as daily
/// activity, its reversing entry in balances and volumes, no new spending, and the reversed transfer no longer counted as spending.</summary>
[Collection(LedgerAndAnalyticsCollection.Name)]
public sealed class Reversals(LedgerAndAnalytics env)
{
    [Fact]
    public async Task AReversedTransfer_RestoresTheBalance_CountsTheSaga_AndNoLongerCountsAsSpending()
    {
        var liam = await env.OpenAccountAsync("liam-reversal");
        var mia = await env.OpenAccountAsync("mia-reversal");
        await env.DepositAsync(liam, 1_000);
        var transfer = await env.TransferAsync(liam, mia, 400, category: "electronics");

        var requested = await env.Ledger.Client.PostAsJsonAsync("/api/v1/reversals", new { entryId = transfer["id"]!.GetValue<Guid>(), reason = "customer dispute" });
        requested.IsSuccessStatusCode.ShouldBeTrue(await requested.Content.ReadAsStringAsync());
        var reversalId = (await requested.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<Guid>();
        await LedgerAndAnalytics.WaitUntilAsync(async () =>
        {
            var reversal = await env.Ledger.Client.GetFromJsonAsync<JsonObject>($"/api/v1/reversals/{reversalId}");
            return reversal!["status"]!.GetValue<string>() == "completed";
        }, "the reversal saga to complete");
        await env.WaitUntilLedgerLogAppliedAsync();

        var history = await env.Analytics.Client.GetFromJsonAsync<JsonObject>($"/api/v1/accounts/{liam}/balance-history", LedgerAndAnalytics.Json);
        history!["items"]!.AsArray().Last()!["balanceMinor"]!.GetValue<long>().ShouldBe(1_000);
        history["items"]!.AsArray().Last()!["entryKind"]!.GetValue<string>().ShouldBe("reversal");

        var spending = await env.Analytics.Client.GetFromJsonAsync<JsonObject>($"/api/v1/accounts/{mia}/spending", LedgerAndAnalytics.Json);
        spending!["items"]!.AsArray().ShouldBeEmpty();
        // The payer's transfer was given back in full: it is no longer spending, in its month or any other.
        var payerSpending = await env.Analytics.Client.GetFromJsonAsync<JsonObject>($"/api/v1/accounts/{liam}/spending", LedgerAndAnalytics.Json);
        payerSpending!["items"]!.AsArray().ShouldBeEmpty();

        var activity = await env.Analytics.Client.GetFromJsonAsync<JsonObject>("/api/v1/ledger/activity/daily");
        var kinds = activity!["items"]!.AsArray().Select(a => a!["activity"]!.GetValue<string>()).ToList();
        kinds.ShouldContain("reversal.requested.v1");
        kinds.ShouldContain("reversal.completed.v1");
        var volumes = await env.Analytics.Client.GetFromJsonAsync<JsonObject>("/api/v1/ledger/volumes/daily");
        volumes!["items"]!.AsArray().ShouldContain(v => v!["kind"]!.GetValue<string>() == "reversal");
    }
}
