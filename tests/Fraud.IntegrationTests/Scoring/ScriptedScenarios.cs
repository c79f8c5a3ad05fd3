using System.Text.Json;
using LedgerX.Fraud.Api.Events;
using LedgerX.Fraud.IntegrationTests.Infrastructure;
using LedgerX.Testing;

namespace LedgerX.Fraud.IntegrationTests.Scoring;

/// <summary>Scripted customer behaviour through the real ledger, spread over weeks by the ledger's clock, scored by
/// fraud-service with its shipped rules (appsettings.json) and the freeze policy.</summary>
[Collection(FraudAndLedgerCollection.Name)]
public sealed class ScriptedScenarios(FraudAndLedger env)
{
    [Fact]
    public async Task ANormalMonthOfSalaryRentAndShopping_ScoresLow_AndRaisesNoAlert()
    {
        var me = await env.OpenAccountAsync("tenant");
        var landlord = await env.OpenAccountAsync("landlord");
        var grocer = await env.OpenAccountAsync("grocer");
        var power = await env.OpenAccountAsync("power-company");
        var cafe = await env.OpenAccountAsync("cafe");
        var movements = 0;

        async Task Step(TimeSpan after, Func<Task> action)
        {
            env.LedgerClock.Advance(after);
            await action();
            await env.WaitForMovementsAsync(me, ++movements);
        }

        var day = TimeSpan.FromDays(1);
        await Step(TimeSpan.Zero, () => env.DepositAsync(me, 300_000));
        await Step(day, () => env.TransferAsync(me, landlord, 120_000));
        await Step(day, () => env.TransferAsync(me, grocer, 6_450));
        await Step(day, () => env.TransferAsync(me, power, 8_900));
        await Step(2 * day, () => env.TransferAsync(me, cafe, 2_380));
        await Step(2 * day, () => env.TransferAsync(me, grocer, 6_760));
        await Step(3 * day, () => env.TransferAsync(me, cafe, 2_475));
        await Step(2 * day, () => env.TransferAsync(me, grocer, 7_070));
        await Step(4 * day, () => env.TransferAsync(me, cafe, 2_570));
        await Step(2 * day, () => env.TransferAsync(me, grocer, 7_380));

        var profile = await env.RiskProfileAsync(me);
        profile.RecentAssessments.Count.ShouldBe(movements);
        profile.RecentAssessments.Max(a => a.Score).ShouldBeLessThan(30, string.Join("; ", profile.RecentAssessments.SelectMany(a => a.Reasons).Select(r => r.Detail)));
        (await env.AlertsAsync($"accountId={me}")).Items.ShouldBeEmpty();
        (await env.AccountStatusAsync(me)).ShouldBe("active");
    }

    [Fact]
    public async Task DrainingAFreshDepositToNewCounterparties_ScoresHigh_IsFlagged_AndFreezesTheAccountInTheLedger()
    {
        var (victim, _, drainEntry) = await env.DrainADepositAsync("victim");

        await FraudAndLedger.WaitUntilAsync(async () => (await env.AlertsAsync($"accountId={victim}")).Items.Count == 2, "two alerts on the victim's account");
        var alerts = (await env.AlertsAsync($"accountId={victim}")).Items;
        var drain = alerts[0];
        drain.EntryId.ShouldBe(drainEntry);
        drain.Score.ShouldBe(100);
        drain.Reasons.Select(r => r.RuleType).ShouldBe(["drain_after_deposit", "amount_deviation", "large_amount", "new_counterparty", "round_amount"], ignoreOrder: true,
            customMessage: string.Join("; ", drain.Reasons.Select(r => $"{r.RuleId} {r.Points}: {r.Detail}")));
        drain.PolicyAction.Action.ShouldBe("freeze");
        alerts[1].Score.ShouldBeInRange(50, 84);
        alerts[1].PolicyAction.Action.ShouldBe("none");

        await FraudAndLedger.WaitUntilAsync(async () => await env.AccountStatusAsync(victim) == "frozen", "the ledger to freeze the victim's account");
        await FraudAndLedger.WaitUntilAsync(async () => (await env.AlertsAsync($"accountId={victim}")).Items[0].PolicyAction.Status == "done", "the freeze to be recorded");
        // The freeze carried fraud-service's own client-credentials token, asked of auth-service through the sidecar: the
        // ledger validated it and audits the freeze as that client (an unvalidated call would be the calling app's).
        env.Auth.TokensIssued.ShouldBeGreaterThan(0);
        var frozen = (await env.LedgerAuditEventsAsync("ledger.account.frozen", victim)).ShouldHaveSingleItem();
        frozen["actor"]!["type"]!.GetValue<string>().ShouldBe("client");
        frozen["actor"]!["id"]!.GetValue<string>().ShouldBe("fraud-service");

        var flagged = await env.FraudSidecar.PubSub.WaitForPublishedAsync(
            m => m.Topic == Topics.FraudFlagged && m.CloudEvent?["data"]?["alertId"]?.GetValue<string>() == drain.Id.ToString(), TimeSpan.FromSeconds(10));
        var data = flagged.CloudEvent!["data"]!;
        data["score"]!.GetValue<int>().ShouldBe(100);
        data["action"]!.GetValue<string>().ShouldBe("freeze");
        flagged.CloudEventId.ShouldBe(data["eventId"]!.GetValue<string>());
        EventSchemas.AssertValid(Topics.FraudFlagged, JsonSerializer.SerializeToElement(data));
    }
}
