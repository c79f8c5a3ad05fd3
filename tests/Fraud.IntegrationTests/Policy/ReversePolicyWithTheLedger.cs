using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LedgerX.Fraud.Api.Apis;
using LedgerX.Fraud.IntegrationTests.Infrastructure;

namespace LedgerX.Fraud.IntegrationTests.Policy;

/// <summary>The reverse policy against the real ledger's reversal API: a second fraud-service, configured to reverse,
/// scores the same events as the first (which freezes).</summary>
[Collection(FraudAndLedgerCollection.Name)]
public sealed class ReversePolicyWithTheLedger(FraudAndLedger env)
{
    [Fact]
    public async Task DrainingADeposit_StartsAReversalOfTheDrainingEntry_InTheLedger()
    {
        await using var reversing = (FraudAndLedger.Stoppable)await env.StartAnotherFraudServiceAsync("fraud-service-reversing",
            new Dictionary<string, string?> { ["Fraud:HighScorePolicy"] = "reverse" });

        var (victim, first, drain) = await env.DrainADepositAsync("reversal-victim");

        await FraudAndLedger.WaitUntilAsync(async () => (await AlertsAsync(reversing.App, victim)) is [{ PolicyAction.Status: "done" or "failed" }, _],
            "the reversal request to be answered");
        var alert = (await AlertsAsync(reversing.App, victim))[0];
        alert.EntryId.ShouldBe(drain);
        alert.PolicyAction.Action.ShouldBe("reverse");
        alert.PolicyAction.Status.ShouldBe("done", alert.PolicyAction.LastError);

        var reversals = (await env.Ledger.Client.GetFromJsonAsync<JsonObject>($"/api/v1/reversals?accountId={victim}"))!["items"]!.AsArray();
        reversals.Select(r => r!["entryId"]!.GetValue<Guid>()).ShouldBe([drain]);
        reversals.ShouldNotContain(r => r!["entryId"]!.GetValue<Guid>() == first);
    }

    private static async Task<IReadOnlyList<AlertResponse>> AlertsAsync(FraudApp app, Guid account) =>
        (await app.Client.GetFromJsonAsync<Page<AlertResponse>>($"/api/v1/alerts?accountId={account}", FraudAndLedger.Json))!.Items;
}
