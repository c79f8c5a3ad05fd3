using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LedgerX.ServiceDefaults.Audit;
using LedgerX.Testing;
using LedgerX.Transactions.IntegrationTests.Infrastructure;
using LedgerX.Transactions.IntegrationTests.Reversals;

namespace LedgerX.Transactions.IntegrationTests.Audit;

/// <summary>The ledger's audit outbox, read back: each privileged action leaves exactly one schema-valid event.</summary>
internal static class AuditOutboxRows
{
    /// <summary>The payloads in the ledger's audit outbox with this action (and subject id, when given), oldest first.</summary>
    public static async Task<List<JsonObject>> EventsAsync(this LedgerApi api, string action, string? subjectId = null)
    {
        // The action and subject id come from the tests' own constants and GUIDs, never from input.
        var subject = subjectId is null ? "" : $"AND payload->'subject'->>'id' = '{subjectId}'";
        var payloads = await api.ScalarAsync<string[]>(
            "SELECT coalesce(array_agg(payload::text ORDER BY enqueued_at, event_id), '{}') FROM audit_outbox " +
            $"WHERE payload->>'action' = '{action}' {subject}");
        foreach (var payload in payloads)
        {
            EventSchemas.AssertValid(AuditTopics.Recorded, payload);
        }
        return [.. payloads.Select(p => JsonNode.Parse(p)!.AsObject())];
    }

    public static void ShouldBeBy(this JsonObject e, string actorType, string actorId)
    {
        e["actor"]!["type"]!.GetValue<string>().ShouldBe(actorType);
        e["actor"]!["id"]!.GetValue<string>().ShouldBe(actorId);
        e["source"]!.GetValue<string>().ShouldBe("transaction-service");
        e["outcome"]!.GetValue<string>().ShouldBe(AuditOutcomes.Succeeded);
    }
}

/// <summary>
/// Freeze and unfreeze (through the writer's group commit), verification and the event-log export: each leaves
/// exactly one audit event in the ledger's audit outbox, by the caller, and a refused or replayed one leaves none.
/// The actor is the token's principal: a user, or a client for client credentials (fraud-service's own token), never the
/// Dapr caller header when a token is there, and never anonymous (no token is refused before anything happens).
/// </summary>
public sealed class AuditedLedgerActions(LedgerApi api) : IClassFixture<LedgerApi>
{
    private async Task<HttpResponseMessage> PostAsync(string path, object? body, System.Net.Http.Headers.AuthenticationHeaderValue? caller = null,
        string? key = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        // The sidecar names the calling app too; the token's principal is who acts.
        request.Headers.Add(AuditCaller.DaprCallerHeader, "some-app");
        request.Headers.Authorization = caller ?? Callers.Admin();
        if (key is not null)
        {
            request.Headers.Add("Idempotency-Key", key);
        }
        return await api.Client.SendAsync(request);
    }

    [Fact]
    public async Task AFreeze_IsAuditedOnce_WithItsReason_AndARefusedOrNoOpFreezeIsNot()
    {
        var account = (await api.OpenAccountAsync()).Id;

        var refused = await PostAsync($"/api/v1/accounts/{account}/freeze", new { reason = "" });
        var frozen = await PostAsync($"/api/v1/accounts/{account}/freeze", new { reason = "court order 17" }, Callers.FraudService());
        // Freezing a frozen account is answered 200 and changes nothing: no privileged action happened.
        var again = await PostAsync($"/api/v1/accounts/{account}/freeze", new { reason = "again" });

        refused.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        await LedgerApi.ExpectAsync(frozen, HttpStatusCode.OK);
        await LedgerApi.ExpectAsync(again, HttpStatusCode.OK);
        var e = (await api.EventsAsync(AuditActions.AccountFrozen, account.ToString())).ShouldHaveSingleItem();
        e.ShouldBeBy("client", Callers.FraudServiceClient);
        e["subject"]!["type"]!.GetValue<string>().ShouldBe("account");
        e["details"]!["reason"]!.GetValue<string>().ShouldBe("court order 17");
    }

    [Fact]
    public async Task AnUnfreeze_IsAuditedOnce_AndAReplayWithTheSameKeyIsNot()
    {
        var account = (await api.OpenAccountAsync()).Id;
        await LedgerApi.ExpectAsync(await PostAsync($"/api/v1/accounts/{account}/freeze", new { reason = "check" }), HttpStatusCode.OK);
        var key = $"unfreeze-{Guid.NewGuid()}";

        var first = await PostAsync($"/api/v1/accounts/{account}/unfreeze", null, key: key);
        var replay = await PostAsync($"/api/v1/accounts/{account}/unfreeze", null, key: key);

        await LedgerApi.ExpectAsync(first, HttpStatusCode.OK);
        replay.Headers.Contains("Idempotent-Replayed").ShouldBeTrue();
        (await api.EventsAsync(AuditActions.AccountUnfrozen, account.ToString())).ShouldHaveSingleItem().ShouldBeBy("user", Callers.StaffSubject);
    }

    [Fact]
    public async Task AFreezeOfAnUnknownAccount_IsNotAudited()
    {
        var unknown = Guid.NewGuid();

        var response = await PostAsync($"/api/v1/accounts/{unknown}/freeze", new { reason = "typo" });

        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await api.EventsAsync(AuditActions.AccountFrozen, unknown.ToString())).ShouldBeEmpty();
    }

    [Fact]
    public async Task AVerification_IsAuditedOnce_WithItsVerdict()
    {
        var before = (await api.EventsAsync(AuditActions.LedgerVerified)).Count;

        var report = await api.VerifyAsync();

        var events = await api.EventsAsync(AuditActions.LedgerVerified);
        events.Count.ShouldBe(before + 1);
        var e = events[^1];
        e.ShouldBeBy("user", Callers.StaffSubject);
        e["subject"]!["type"]!.GetValue<string>().ShouldBe("ledger");
        e["details"]!["result"]!.GetValue<string>().ShouldBe(report.Ok ? "ok" : "discrepancies");
        e["details"]!["eventsChecked"]!.GetValue<string>().ShouldBe($"{report.EventsChecked}");
    }

    [Fact]
    public async Task AnExport_IsAuditedWhenItStarts_NotForEveryPage()
    {
        await api.OpenAccountAsync();
        var before = (await api.EventsAsync(AuditActions.EventLogExported)).Count;
        using var first = new HttpRequestMessage(HttpMethod.Get, "/api/v1/ledger/events?limit=1");
        first.Headers.Add(AuditCaller.DaprCallerHeader, "analytics-service");
        first.Headers.Authorization = Callers.Auditor("auditor-7");

        (await api.Client.SendAsync(first)).EnsureSuccessStatusCode();
        (await api.Client.GetAsync("/api/v1/ledger/events?after=1&limit=1")).EnsureSuccessStatusCode();
        (await api.Client.GetAsync("/api/v1/ledger/events?limit=0")).StatusCode.ShouldBe(HttpStatusCode.BadRequest);

        var events = await api.EventsAsync(AuditActions.EventLogExported);
        events.Count.ShouldBe(before + 1);
        events[^1].ShouldBeBy("user", "auditor-7");
    }

    [Fact]
    public async Task APrivilegedActionWithoutAToken_IsRefused_AndLeavesNoAnonymousEvent()
    {
        var account = (await api.OpenAccountAsync()).Id;
        using var freeze = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/accounts/{account}/freeze") { Content = JsonContent.Create(new { reason = "x" }) };
        freeze.Headers.Authorization = null;
        using var noToken = new HttpClient { BaseAddress = api.Client.BaseAddress };
        using var verify = new HttpRequestMessage(HttpMethod.Get, "/api/v1/ledger/verify");

        (await noToken.SendAsync(freeze)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await noToken.SendAsync(verify)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await api.Client.SendAsync(Callers.Request(HttpMethod.Post, $"/api/v1/accounts/{account}/freeze", Callers.Customer("owner"), new { reason = "x" })))
            .StatusCode.ShouldBe(HttpStatusCode.Forbidden);

        (await api.EventsAsync(AuditActions.AccountFrozen, account.ToString())).ShouldBeEmpty();
        var anonymous = await api.ScalarAsync<long>("SELECT count(*) FROM audit_outbox WHERE payload->'actor'->>'type' = 'anonymous'");
        anonymous.ShouldBe(0);
    }
}

/// <summary>Approving or rejecting a reversal: the decision and its audit event commit together; the loser of a race
/// (409) and a replay leave no event.</summary>
public sealed class AuditedReversalDecisions(PatientApprovalEnvironment environment) : IClassFixture<PatientApprovalEnvironment>
{
    private SagaHost Api => environment.Api;

    private async Task<Guid> AwaitingApprovalAsync()
    {
        var amount = SagaHost.ApprovalThreshold + 1;
        var payer = (await Api.OpenAccountAsync("payer")).Id;
        var receiver = (await Api.OpenAccountAsync("receiver")).Id;
        await Api.DepositAsync(payer, amount);
        var transfer = await Api.Client.PostAsJsonAsync("/api/v1/transfers", new { fromAccountId = payer, toAccountId = receiver, amount, currency = "EUR" });
        await LedgerApi.ExpectAsync(transfer, HttpStatusCode.Created);
        var entry = (await transfer.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<Guid>();
        var reversal = await Api.RequestReversalAsync(entry);
        await Api.WaitForAsync(reversal.Id, r => r.Status == "awaiting_approval");
        return reversal.Id;
    }

    /// <summary>A decision by the fraud analyst <paramref name="by"/>, through an operations console app: the approver is the token's subject.</summary>
    private Task<HttpResponseMessage> DecideAsync(Guid reversal, bool approved, string by, string? key = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/reversals/{reversal}/approval") { Content = JsonContent.Create(new { approved }) };
        request.Headers.Add(AuditCaller.DaprCallerHeader, "ops-console");
        request.Headers.Authorization = Callers.FraudAnalyst(by);
        if (key is not null)
        {
            request.Headers.Add("Idempotency-Key", key);
        }
        return Api.Client.SendAsync(request);
    }

    [Fact]
    public async Task AnApproval_IsAuditedOnce_AndTheRaceLoserAndAReplayAreNot()
    {
        var reversal = await AwaitingApprovalAsync();
        var key = $"decide-{Guid.NewGuid()}";

        var both = await Task.WhenAll(DecideAsync(reversal, approved: true, "ops-anna", key), DecideAsync(reversal, approved: false, "ops-ben"));
        var replay = await DecideAsync(reversal, approved: true, "ops-anna", key);

        both.Count(r => r.StatusCode == HttpStatusCode.Accepted).ShouldBe(1);
        var approvedWon = both[0].StatusCode == HttpStatusCode.Accepted;
        if (approvedWon)
        {
            replay.Headers.Contains("Idempotent-Replayed").ShouldBeTrue();
        }
        var approvals = await Api.EventsAsync(AuditActions.ReversalApproved, reversal.ToString());
        var rejections = await Api.EventsAsync(AuditActions.ReversalRejected, reversal.ToString());
        (approvals.Count + rejections.Count).ShouldBe(1);
        var e = approvedWon ? approvals.Single() : rejections.Single();
        e.ShouldBeBy("user", approvedWon ? "ops-anna" : "ops-ben");
        e["subject"]!["type"]!.GetValue<string>().ShouldBe("reversal");
        e["details"]!["by"]!.GetValue<string>().ShouldBe(approvedWon ? "ops-anna" : "ops-ben");
    }

    [Fact]
    public async Task ARejection_IsAuditedAsRejected()
    {
        var reversal = await AwaitingApprovalAsync();

        (await DecideAsync(reversal, approved: false, "ops-carl")).StatusCode.ShouldBe(HttpStatusCode.Accepted);

        (await Api.EventsAsync(AuditActions.ReversalRejected, reversal.ToString())).ShouldHaveSingleItem()["details"]!["by"]!.GetValue<string>().ShouldBe("ops-carl");
        (await Api.EventsAsync(AuditActions.ReversalApproved, reversal.ToString())).ShouldBeEmpty();
    }
}
