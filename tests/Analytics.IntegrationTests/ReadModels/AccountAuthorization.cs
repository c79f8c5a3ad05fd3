using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LedgerX.Analytics.IntegrationTests.Infrastructure;

namespace LedgerX.Analytics.IntegrationTests.ReadModels;

/// <summary>
/// Whose analytics a caller reads: a customer only their own accounts' (owners from account.opened.v1, rebuilt by the
/// rebuild), every other account answered exactly as an unknown one; accounts:any reads any. And v2 shows the same
/// figures with money as objects. Each case fails if its check is removed.
/// </summary>
[Collection(LedgerAndAnalyticsCollection.Name)]
public sealed class AccountAuthorization(LedgerAndAnalytics env)
{
    private static readonly string[] AccountReports = ["balance-history", "spending", "counterparties", "alerts"];

    private static async Task<string> ProblemWithoutIdAsync(HttpResponseMessage response, Guid id)
    {
        var problem = JsonNode.Parse((await response.Content.ReadAsStringAsync()).Replace(id.ToString(), "<id>", StringComparison.Ordinal))!.AsObject();
        problem.Remove("traceId");
        return problem.ToJsonString();
    }

    [Fact]
    public async Task ACustomer_ReadsTheirOwnAccounts_AndAnyOtherIsAnsweredAsAnUnknownOne()
    {
        var mine = await env.OpenAccountAsync("analytics-heidi");
        var theirs = await env.OpenAccountAsync("analytics-ivan");
        await env.DepositAsync(mine, 50_000, "salary");
        await env.TransferAsync(mine, theirs, 12_000, "rent");
        await env.WaitUntilLedgerLogAppliedAsync();
        var heidi = Callers.Customer("analytics-heidi");
        var unknown = Guid.CreateVersion7();

        foreach (var report in AccountReports)
        {
            await LedgerAndAnalytics.ExpectAsync(await env.Analytics.Client.GetAsAsync($"/api/v1/accounts/{mine}/{report}", heidi), HttpStatusCode.OK);
            var other = await env.Analytics.Client.GetAsAsync($"/api/v1/accounts/{theirs}/{report}", heidi);
            var missing = await env.Analytics.Client.GetAsAsync($"/api/v1/accounts/{unknown}/{report}", heidi);
            other.StatusCode.ShouldBe(HttpStatusCode.NotFound, report);
            missing.StatusCode.ShouldBe(HttpStatusCode.NotFound, report);
            (await ProblemWithoutIdAsync(other, theirs)).ShouldBe(await ProblemWithoutIdAsync(missing, unknown), report);
            (await other.Content.ReadFromJsonAsync<JsonObject>())!["code"]!.GetValue<string>().ShouldBe("account_not_found");
            // Staff with accounts:any read anyone's.
            (await env.Analytics.Client.GetAsAsync($"/api/v1/accounts/{theirs}/{report}", Callers.Auditor)).StatusCode.ShouldBe(HttpStatusCode.OK, report);
            // And the same in v2.
            (await env.Analytics.Client.GetAsAsync($"/api/v2/accounts/{theirs}/{report}", heidi)).StatusCode.ShouldBe(HttpStatusCode.NotFound, report);
        }

        // Ownership is rebuilt with the read models: after a rebuild heidi still reads hers, and only hers.
        await LedgerAndAnalytics.ExpectAsync(await env.Analytics.Client.PostAsync("/api/v1/admin/rebuild", null), HttpStatusCode.OK);
        (await env.Analytics.Client.GetAsAsync($"/api/v1/accounts/{mine}/balance-history", heidi)).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await env.Analytics.Client.GetAsAsync($"/api/v1/accounts/{theirs}/balance-history", heidi)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task V2_ShowsTheSameFigures_WithMoneyAsOneObject()
    {
        var payer = await env.OpenAccountAsync("analytics-judy");
        var payee = await env.OpenAccountAsync("analytics-ken");
        await env.DepositAsync(payer, 40_000);
        await env.TransferAsync(payer, payee, 2_500, "books");
        await env.WaitUntilLedgerLogAppliedAsync();

        var balances = (await env.Analytics.Client.GetFromJsonAsync<JsonObject>($"/api/v2/accounts/{payer}/balance-history"))!["items"]!.AsArray();
        balances[^1]!["balance"]!["amount"]!.GetValue<long>().ShouldBe(37_500);
        balances[^1]!["balance"]!["currency"]!.GetValue<string>().ShouldBe("EUR");
        balances[^1]!.AsObject().ContainsKey("currency").ShouldBeFalse();
        var v1 = (await env.Analytics.Client.GetFromJsonAsync<JsonObject>($"/api/v1/accounts/{payer}/balance-history"))!["items"]!.AsArray();
        v1[^1]!["balanceMinor"]!.GetValue<long>().ShouldBe(37_500);

        var spending = (await env.Analytics.Client.GetFromJsonAsync<JsonObject>($"/api/v2/accounts/{payer}/spending"))!["items"]!.AsArray();
        spending.Single(l => l!["category"]!.GetValue<string>() == "books")!["amount"]!.ToJsonString().ShouldBe("""{"amount":2500,"currency":"EUR"}""");

        // The payee (the deposit's world account is a counterparty too).
        var counterparty = (await env.Analytics.Client.GetFromJsonAsync<JsonObject>($"/api/v2/accounts/{payer}/counterparties"))!["items"]!.AsArray()
            .Single(c => c!["counterpartyId"]!.GetValue<Guid>() == payee)!;
        counterparty["sent"]!.ToJsonString().ShouldBe("""{"amount":2500,"currency":"EUR"}""");
        counterparty["received"]!.ToJsonString().ShouldBe("""{"amount":0,"currency":"EUR"}""");

        var volumes = (await env.Analytics.Client.GetFromJsonAsync<JsonObject>("/api/v2/ledger/volumes/daily?currency=EUR"))!["items"]!.AsArray();
        volumes.ShouldAllBe(v => v!["amount"]!["currency"]!.GetValue<string>() == "EUR" && v!.AsObject().ContainsKey("amountMinor") == false);
    }
}
