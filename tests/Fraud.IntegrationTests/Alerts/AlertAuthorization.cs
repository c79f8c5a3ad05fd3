using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LedgerX.Fraud.Api.Apis;
using LedgerX.Fraud.IntegrationTests.Infrastructure;

namespace LedgerX.Fraud.IntegrationTests.Alerts;

/// <summary>
/// Who may read and acknowledge which alerts: a customer their own accounts' (owners from account.opened.v1), anything
/// else answered exactly as an unknown id; staff every account's; acknowledging only with fraud:review, as the token's
/// subject. Each case fails if its check is removed.
/// </summary>
[Collection(FraudAndLedgerCollection.Name)]
public sealed class AlertAuthorization(FraudAndLedger env)
{
    private async Task<(Guid Account, AlertResponse Alert)> AlertOnAnAccountOfAsync(string owner)
    {
        var account = await env.OpenAccountAsync(owner);
        var other = await env.OpenAccountAsync(owner + "-payee");
        await env.DepositAsync(account, 2_000_000);
        await env.WaitForMovementsAsync(account, 1);
        await env.TransferAsync(account, other, 2_000_000);
        await FraudAndLedger.WaitUntilAsync(async () => (await env.AlertsAsync($"accountId={account}")).Items.Count == 1, $"an alert on {owner}");
        return (account, (await env.AlertsAsync($"accountId={account}")).Items.Single());
    }

    /// <summary>The account's owner is known once account.opened.v1 has been consumed (it may come after the alert).</summary>
    private async Task<HttpResponseMessage> GetOnceOwnedAsync(string url, Caller owner)
    {
        HttpResponseMessage? response = null;
        await FraudAndLedger.WaitUntilAsync(async () => (response = await env.Fraud.Client.GetAsAsync(url, owner)).StatusCode != HttpStatusCode.NotFound,
            $"{owner.Subject} to own what {url} names");
        return response!;
    }

    private static async Task<JsonObject> ProblemWithoutIdsAsync(HttpResponseMessage response, params Guid[] ids)
    {
        var text = await response.Content.ReadAsStringAsync();
        foreach (var id in ids)
        {
            text = text.Replace(id.ToString(), "<id>", StringComparison.Ordinal);
        }
        var problem = JsonNode.Parse(text)!.AsObject();
        problem.Remove("traceId");
        return problem;
    }

    [Fact]
    public async Task ACustomer_SeesTheirOwnAlerts_AndAnotherCustomersAsIfTheyDidNotExist()
    {
        var (mine, myAlert) = await AlertOnAnAccountOfAsync("bola-alice");
        var (theirs, theirAlert) = await AlertOnAnAccountOfAsync("bola-bob");
        var alice = Callers.Customer("bola-alice");

        await FraudAndLedger.ExpectAsync(await GetOnceOwnedAsync($"/api/v1/alerts/{myAlert.Id}", alice), HttpStatusCode.OK);
        var own = (await (await env.Fraud.Client.GetAsAsync($"/api/v1/alerts?accountId={mine}", alice)).Content
            .ReadFromJsonAsync<Page<AlertResponse>>(FraudAndLedger.Json))!;
        own.Items.Select(a => a.Id).ShouldBe([myAlert.Id]);

        var someoneElses = await env.Fraud.Client.GetAsAsync($"/api/v1/alerts/{theirAlert.Id}", alice);
        var unknownId = Guid.NewGuid();
        var unknown = await env.Fraud.Client.GetAsAsync($"/api/v1/alerts/{unknownId}", alice);
        someoneElses.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        unknown.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await ProblemWithoutIdsAsync(someoneElses, theirAlert.Id)).ToJsonString()
            .ShouldBe((await ProblemWithoutIdsAsync(unknown, unknownId)).ToJsonString());

        // Listing by someone else's account, or with no filter, shows none of theirs.
        (await (await env.Fraud.Client.GetAsAsync($"/api/v1/alerts?accountId={theirs}", alice)).Content
            .ReadFromJsonAsync<Page<AlertResponse>>(FraudAndLedger.Json))!.Items.ShouldBeEmpty();
        var all = (await (await env.Fraud.Client.GetAsAsync("/api/v1/alerts?limit=200", alice)).Content
            .ReadFromJsonAsync<Page<AlertResponse>>(FraudAndLedger.Json))!;
        all.Items.ShouldAllBe(a => a.AccountId == mine);

        // Risk profiles: their own 200, someone else's the same 404 as an account never seen.
        (await GetOnceOwnedAsync($"/api/v1/accounts/{mine}/risk-profile", alice)).StatusCode.ShouldBe(HttpStatusCode.OK);
        var otherProfile = await env.Fraud.Client.GetAsAsync($"/api/v1/accounts/{theirs}/risk-profile", alice);
        var neverSeen = Guid.NewGuid();
        var unknownProfile = await env.Fraud.Client.GetAsAsync($"/api/v1/accounts/{neverSeen}/risk-profile", alice);
        otherProfile.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await ProblemWithoutIdsAsync(otherProfile, theirs)).ToJsonString().ShouldBe((await ProblemWithoutIdsAsync(unknownProfile, neverSeen)).ToJsonString());

        // Staff see every account's: a teller (accounts:any) without fraud:review.
        (await env.Fraud.Client.GetAsAsync($"/api/v1/alerts/{theirAlert.Id}", Callers.Teller)).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task OnlyFraudReview_Acknowledges_AsTheTokensSubject_AndTheBodyCannotNameSomeoneElse()
    {
        var (_, alert) = await AlertOnAnAccountOfAsync("bfla-carol");
        var carol = Callers.Customer("bfla-carol");
        await GetOnceOwnedAsync($"/api/v1/alerts/{alert.Id}", carol);
        var url = $"/api/v1/alerts/{alert.Id}/acknowledge";

        (await env.Fraud.Client.PostAsAsync(url, new { }, null)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        var customer = await env.Fraud.Client.PostAsAsync(url, new { }, carol);
        customer.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await customer.Content.ReadFromJsonAsync<JsonObject>())!["permission"]!.GetValue<string>().ShouldBe("fraud:review");
        (await env.Fraud.Client.PostAsAsync(url, new { }, Callers.Teller)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);

        // An old client still naming the acknowledger learns the field is gone.
        var named = await env.Fraud.Client.PostAsAsync(url, new { acknowledgedBy = "someone-else" }, Callers.FraudAnalyst);
        named.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await named.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!.AsObject().Select(e => e.Key).ShouldBe(["acknowledgedBy"]);

        var reviewer = Callers.FraudAnalyst with { Subject = "analyst-dana" };
        var done = await env.Fraud.Client.PostAsAsync(url, new { note = "spoke to carol" }, reviewer);
        await FraudAndLedger.ExpectAsync(done, HttpStatusCode.OK);
        (await done.Content.ReadFromJsonAsync<AlertResponse>(FraudAndLedger.Json))!.AcknowledgedBy.ShouldBe("analyst-dana");

        // The owner sees that it was reviewed, not who reviewed it or the reviewer's note.
        var seenByOwner = (await (await env.Fraud.Client.GetAsAsync($"/api/v1/alerts/{alert.Id}", carol)).Content
            .ReadFromJsonAsync<AlertResponse>(FraudAndLedger.Json))!;
        seenByOwner.Status.ShouldBe("acknowledged");
        seenByOwner.AcknowledgedBy.ShouldBeNull();
        seenByOwner.AcknowledgementNote.ShouldBeNull();
    }

    [Fact]
    public async Task V2_ShowsTheSameAlert_WithMoneyAsOneObject()
    {
        var (_, alert) = await AlertOnAnAccountOfAsync("v2-erin");

        var v2 = (await env.Fraud.Client.GetFromJsonAsync<JsonObject>($"/api/v2/alerts/{alert.Id}"))!;
        var v1 = (await env.Fraud.Client.GetFromJsonAsync<JsonObject>($"/api/v1/alerts/{alert.Id}"))!;

        v2["amount"]!["amount"]!.GetValue<long>().ShouldBe(alert.Amount);
        v2["amount"]!["currency"]!.GetValue<string>().ShouldBe("EUR");
        v2.ContainsKey("currency").ShouldBeFalse();
        v1["amount"]!.GetValue<long>().ShouldBe(alert.Amount);
        v1["currency"]!.GetValue<string>().ShouldBe("EUR");
        v2.Select(p => p.Key).Where(k => k is not "amount").ShouldBe(v1.Select(p => p.Key).Where(k => k is not ("amount" or "currency")));
        var list = (await env.Fraud.Client.GetFromJsonAsync<JsonObject>($"/api/v2/alerts?accountId={alert.AccountId}"))!;
        list["items"]![0]!["amount"]!["amount"]!.GetValue<long>().ShouldBe(alert.Amount);
    }
}
