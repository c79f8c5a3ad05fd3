using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LedgerX.Fraud.Api.Apis;
using LedgerX.Fraud.IntegrationTests.Infrastructure;
using LedgerX.ServiceDefaults.Auth;

namespace LedgerX.Fraud.IntegrationTests.Alerts;

/// <summary>The alerts API: filters, keyset paging, acknowledgement, problem details.</summary>
[Collection(FraudAndLedgerCollection.Name)]
public sealed class AlertsApiSurface(FraudAndLedger env)
{
    /// <summary>A new account that receives a large deposit and at once sends it all away: round, large and a drain,
    /// but no history to deviate from, so an alert below the policy threshold (nothing is frozen).</summary>
    private async Task<Guid> AccountWithAMidScoreAlertAsync(string owner)
    {
        var account = await env.OpenAccountAsync(owner);
        var other = await env.OpenAccountAsync(owner + "-payee");
        await env.DepositAsync(account, 2_000_000);
        // Pub/sub does not promise order between two events; the scenario is "the deposit, then the drain".
        await env.WaitForMovementsAsync(account, 1);
        await env.TransferAsync(account, other, 2_000_000);
        await FraudAndLedger.WaitUntilAsync(async () => (await env.AlertsAsync($"accountId={account}")).Items.Count == 1, $"an alert on {owner}");
        return account;
    }

    [Fact]
    public async Task ListsFiltersPagesAndAcknowledges()
    {
        var first = await AccountWithAMidScoreAlertAsync("api-first");
        var second = await AccountWithAMidScoreAlertAsync("api-second");

        var alert = (await env.AlertsAsync($"accountId={first}")).Items.Single();
        alert.Score.ShouldBe(65);
        alert.Status.ShouldBe("open");
        alert.PolicyAction.Status.ShouldBe("not_required");
        alert.Reasons.Sum(r => r.Points).ShouldBe(65);
        (await env.AlertsAsync($"accountId={first}&minScore=66")).Items.ShouldBeEmpty();

        // Keyset paging, newest first: page by page, no alert twice, in descending id order.
        var seen = new List<Guid>();
        string? cursor = null;
        do
        {
            var page = await env.AlertsAsync("limit=1" + (cursor is null ? "" : $"&after={cursor}"));
            page.Items.Count.ShouldBeLessThanOrEqualTo(1);
            seen.AddRange(page.Items.Select(a => a.Id));
            cursor = page.NextCursor;
        }
        while (cursor is not null);
        seen.ShouldBeUnique();
        seen.ShouldBe(seen.OrderByDescending(id => id).ToList());
        var secondAlert = (await env.AlertsAsync($"accountId={second}")).Items.Single();
        seen.IndexOf(secondAlert.Id).ShouldBeLessThan(seen.IndexOf(alert.Id));

        var acknowledged = await env.Fraud.Client.PostAsJsonAsync($"/api/v1/alerts/{alert.Id}/acknowledge", new { note = "called the customer" });
        await FraudAndLedger.ExpectAsync(acknowledged, HttpStatusCode.OK);
        var body = (await acknowledged.Content.ReadFromJsonAsync<AlertResponse>(FraudAndLedger.Json))!;
        body.Status.ShouldBe("acknowledged");
        // The acknowledger is the token's subject (the fixture's default caller), never a body field.
        body.AcknowledgedBy.ShouldBe(Callers.FraudAnalyst.Subject);
        (await env.AlertsAsync($"accountId={first}&status=open")).Items.ShouldBeEmpty();
        (await env.AlertsAsync($"accountId={first}&status=acknowledged")).Items.Single().Id.ShouldBe(alert.Id);

        var again = await env.Fraud.Client.PostAsJsonAsync($"/api/v1/alerts/{alert.Id}/acknowledge", new { note = "again" });
        await FraudAndLedger.ExpectAsync(again, HttpStatusCode.Conflict);
        (await again.Content.ReadFromJsonAsync<JsonObject>())!["code"]!.GetValue<string>().ShouldBe("alert_already_acknowledged");
    }

    [Fact]
    public async Task AnswersProblemDetails_ForUnknownAlertsAndBadQueries()
    {
        var missing = await env.Fraud.Client.GetAsync($"/api/v1/alerts/{Guid.NewGuid()}");
        await FraudAndLedger.ExpectAsync(missing, HttpStatusCode.NotFound);
        missing.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        (await missing.Content.ReadFromJsonAsync<JsonObject>())!["code"]!.GetValue<string>().ShouldBe("alert_not_found");

        foreach (var (query, field) in new[]
                 {
                     ("limit=0", "limit"), ("limit=201", "limit"), ("status=closed", "status"), ("minScore=101", "minScore"),
                     // The binder's refusals, once answered with "Failed to bind parameter \"Nullable<int> minScore\"" and no field.
                     ("minScore=abc", "minScore"), ("accountId=zz", "accountId"), ("since=yesterday", "since"),
                     // NUL characters cannot reach PostgreSQL, not even as a filter.
                     ("status=op%00en", "status"),
                 })
        {
            var bad = await env.Fraud.Client.GetAsync($"/api/v1/alerts?{query}");
            await FraudAndLedger.ExpectAsync(bad, HttpStatusCode.BadRequest);
            var problem = (await bad.Content.ReadFromJsonAsync<JsonObject>())!;
            problem["code"]!.GetValue<string>().ShouldBe("validation", query);
            problem["errors"]!.AsObject().Select(e => e.Key).ShouldBe([field], query);
            problem.ToJsonString().ShouldNotContain("Nullable");
        }

        var tooLong = await env.Fraud.Client.PostAsJsonAsync($"/api/v1/alerts/{Guid.NewGuid()}/acknowledge", new { note = new string('n', 1001) });
        await FraudAndLedger.ExpectAsync(tooLong, HttpStatusCode.BadRequest);
        (await tooLong.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!.AsObject().Select(e => e.Key).ShouldBe(["note"]);
    }

    [Fact]
    public async Task RefusesANulCharacterInAnAcknowledgement_ByName_InsteadOfFailingToStoreIt()
    {
        var account = await AccountWithAMidScoreAlertAsync("api-nul");
        var alert = (await env.AlertsAsync($"accountId={account}")).Items.Single();

        foreach (var (body, field) in new object[] { new { note = "called\0" } }.Zip(["note"]))
        {
            var refused = await env.Fraud.Client.PostAsJsonAsync($"/api/v1/alerts/{alert.Id}/acknowledge", body);
            await FraudAndLedger.ExpectAsync(refused, HttpStatusCode.BadRequest);
            (await refused.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!.AsObject().Select(e => e.Key).ShouldBe([field]);
        }
        (await env.AlertsAsync($"accountId={account}")).Items.Single().Status.ShouldBe("open");
    }

    [Fact]
    public async Task RefusesAFieldSentTwice_InsteadOfTakingTheLast()
    {
        using var repeated = new StringContent("""{"note":"a","note":"b"}""", System.Text.Encoding.UTF8, "application/json");
        var refused = await env.Fraud.Client.PostAsync($"/api/v1/alerts/{Guid.NewGuid()}/acknowledge", repeated);

        await FraudAndLedger.ExpectAsync(refused, HttpStatusCode.BadRequest);
        (await refused.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!.AsObject().Select(e => e.Key).ShouldBe(["note"]);
    }

    [Fact]
    public async Task AnAccountItHasNeverSeen_HasNoRiskProfile()
    {
        var unknown = await env.Fraud.Client.GetAsync($"/api/v1/accounts/{Guid.NewGuid()}/risk-profile");

        await FraudAndLedger.ExpectAsync(unknown, HttpStatusCode.NotFound);
        unknown.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        (await unknown.Content.ReadFromJsonAsync<JsonObject>())!["code"]!.GetValue<string>().ShouldBe("risk_profile_not_found");
    }

    /// <summary>The OpenAPI document of each version is true: every status it documents for an operation is produced here
    /// (401 without a token, 403 with a token lacking the permission), and a body with only the fields it requires is
    /// accepted. A newly documented status without a request below fails.</summary>
    [Theory]
    [InlineData("v1")]
    [InlineData("v2")]
    public async Task EveryStatusTheOpenApiDocumentPromises_IsProduced(string version)
    {
        var document = (await env.Fraud.Client.GetFromJsonAsync<JsonObject>($"/openapi/{version}.json"))!;
        var acknowledgement = document["components"]!["schemas"]!["AcknowledgeAlertRequest"]!;
        var requiredOnly = new JsonObject();
        foreach (var field in acknowledgement["required"]?.AsArray().Select(f => f!.GetValue<string>()) ?? [])
        {
            throw new InvalidOperationException($"No value for '{field}': add one.");
        }
        acknowledgement["properties"]!.AsObject().Select(p => p.Key).ShouldBe(["note"]);
        var suffix = version == "v1" ? "" : "V2";
        var account = await AccountWithAMidScoreAlertAsync($"api-documented-{version}");
        var alert = (await env.AlertsAsync($"accountId={account}")).Items.Single().Id;
        var api = $"/api/{version}";
        var acknowledge = $"{api}/alerts/{alert}/acknowledge";
        Task<HttpResponseMessage> Post(string path, string body, string contentType = "application/json") =>
            env.Fraud.Client.PostAsync(path, new StringContent(body, System.Text.Encoding.UTF8, contentType));
        Task<HttpResponseMessage> As(Caller? caller, string path, HttpMethod? method = null) =>
            env.Fraud.Client.SendAsAsync(new HttpRequestMessage(method ?? HttpMethod.Get, path)
                { Content = method == HttpMethod.Post ? JsonContent.Create(new { }) : null }, caller);
        var produce = new Dictionary<(string Operation, int Status), Func<Task<HttpResponseMessage>>>
        {
            [("ListAlerts", 200)] = () => env.Fraud.Client.GetAsync($"{api}/alerts"),
            [("ListAlerts", 400)] = () => env.Fraud.Client.GetAsync($"{api}/alerts?minScore=abc"),
            [("ListAlerts", 401)] = () => As(null, $"{api}/alerts"),
            [("ListAlerts", 403)] = () => As(Callers.Nobody, $"{api}/alerts"),
            [("GetAlert", 200)] = () => env.Fraud.Client.GetAsync($"{api}/alerts/{alert}"),
            [("GetAlert", 401)] = () => As(null, $"{api}/alerts/{alert}"),
            [("GetAlert", 403)] = () => As(Callers.Nobody, $"{api}/alerts/{alert}"),
            [("GetAlert", 404)] = () => env.Fraud.Client.GetAsync($"{api}/alerts/{Guid.NewGuid()}"),
            // In this order: the first acknowledgement succeeds, the second conflicts.
            [("AcknowledgeAlert", 200)] = () => Post(acknowledge, requiredOnly.ToJsonString()),
            [("AcknowledgeAlert", 409)] = () => Post(acknowledge, requiredOnly.ToJsonString()),
            [("AcknowledgeAlert", 400)] = () => Post(acknowledge, "[]"),
            [("AcknowledgeAlert", 401)] = () => As(null, acknowledge, HttpMethod.Post),
            [("AcknowledgeAlert", 403)] = () => As(Callers.Teller, acknowledge, HttpMethod.Post),
            [("AcknowledgeAlert", 404)] = () => Post($"{api}/alerts/{Guid.NewGuid()}/acknowledge", requiredOnly.ToJsonString()),
            [("AcknowledgeAlert", 413)] = () => Post(acknowledge, new JsonObject { ["note"] = new string('x', 70_000) }.ToJsonString()),
            [("AcknowledgeAlert", 415)] = () => Post(acknowledge, "note=me", "text/plain"),
            [("GetRiskProfile", 200)] = () => env.Fraud.Client.GetAsync($"{api}/accounts/{account}/risk-profile"),
            [("GetRiskProfile", 401)] = () => As(null, $"{api}/accounts/{account}/risk-profile"),
            [("GetRiskProfile", 403)] = () => As(Callers.Nobody, $"{api}/accounts/{account}/risk-profile"),
            [("GetRiskProfile", 404)] = () => env.Fraud.Client.GetAsync($"{api}/accounts/{Guid.NewGuid()}/risk-profile"),
        };

        var documented = document["paths"]!.AsObject().SelectMany(path => path.Value!.AsObject().SelectMany(operation =>
            operation.Value!["responses"]!.AsObject().Select(response =>
                (operation.Value!["operationId"]!.GetValue<string>(), int.Parse(response.Key, System.Globalization.CultureInfo.InvariantCulture)))));
        documented.ShouldBe(produce.Keys.Select(k => (k.Operation + suffix, k.Status)), ignoreOrder: true);
        foreach (var ((operation, status), send) in produce)
        {
            using var response = await send();
            ((int)response.StatusCode).ShouldBe(status, $"{operation}: {await response.Content.ReadAsStringAsync()}");
        }
    }

    [Theory]
    [InlineData("v1")]
    [InlineData("v2")]
    public async Task PublishesAnOpenApiDocumentPerVersion_WithOnlyThatVersionsRoutes(string version)
    {
        var document = await env.Fraud.Client.GetFromJsonAsync<JsonObject>($"/openapi/{version}.json");

        document!["paths"]!.AsObject().Select(p => p.Key).ShouldBe(
            [$"/api/{version}/alerts", $"/api/{version}/alerts/{{id}}", $"/api/{version}/alerts/{{id}}/acknowledge",
             $"/api/{version}/accounts/{{accountId}}/risk-profile"], ignoreOrder: true);
        document["info"]!["version"]!.GetValue<string>().ShouldBe(version);
    }
}
