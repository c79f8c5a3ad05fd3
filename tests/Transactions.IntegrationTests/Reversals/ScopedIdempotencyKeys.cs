using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LedgerX.Transactions.Api.Apis;
using LedgerX.Transactions.Api.Reversals;
using LedgerX.Transactions.IntegrationTests.Infrastructure;

namespace LedgerX.Transactions.IntegrationTests.Reversals;

/// <summary>
/// Idempotency keys live in their caller's scope (ADR 0005): a client cannot claim the reversal saga's internal keys or
/// fraud-service's keys, and a stored response whose request hash is not the step's own is never used.
/// </summary>
public sealed class ScopedIdempotencyKeys(PatientApprovalEnvironment environment) : IClassFixture<PatientApprovalEnvironment>
{
    private SagaHost Api => environment.Api;

    private async Task<Guid> TransferAsync(Guid from, Guid to, long amount, string? key = null, string? callerApp = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/transfers")
        {
            Content = JsonContent.Create(new { fromAccountId = from, toAccountId = to, amount, currency = "EUR" }),
        };
        if (key is not null)
        {
            request.Headers.Add("Idempotency-Key", key);
        }
        if (callerApp is not null)
        {
            request.Headers.Add("dapr-caller-app-id", callerApp);
        }
        var response = await Api.Client.SendAsync(request);
        await LedgerApi.ExpectAsync(response, HttpStatusCode.Created);
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<Guid>();
    }

    /// <summary>An approved reversal waiting for its approval, and an unrelated pair of accounts an attacker controls.</summary>
    private async Task<(Guid Payer, Guid Receiver, Guid Entry, ReversalResponse Reversal, Guid AttackerFrom, Guid AttackerTo)> AwaitingApprovalAsync()
    {
        var amount = SagaHost.ApprovalThreshold + 1;
        var payer = (await Api.OpenAccountAsync("payer")).Id;
        var receiver = (await Api.OpenAccountAsync("receiver")).Id;
        await Api.DepositAsync(payer, amount);
        var entry = await TransferAsync(payer, receiver, amount);
        var reversal = await Api.RequestReversalAsync(entry);
        await Api.WaitForAsync(reversal.Id, r => r.Status == "awaiting_approval");
        var attackerFrom = (await Api.OpenAccountAsync("mallory")).Id;
        var attackerTo = (await Api.OpenAccountAsync("mallory-2")).Id;
        await Api.DepositAsync(attackerFrom, 5_000);
        return (payer, receiver, entry, reversal, attackerFrom, attackerTo);
    }

    /// <summary>The attack of issue 11: a client sends the saga's post key (reversal ids are listed by GET /reversals)
    /// with a transfer of its own before the approval. Before scopes the post step was refused as a reused key and the
    /// compensation mirrored the client's transfer as a "reversal" with no approval or window check.</summary>
    [Fact]
    public async Task AClientThatPreClaimsTheSagasPostKey_ChangesNothing_AndTheReversalCompletes()
    {
        var (payer, receiver, entry, reversal, attackerFrom, attackerTo) = await AwaitingApprovalAsync();
        var planted = await TransferAsync(attackerFrom, attackerTo, 4_000, key: SagaSteps.Key(reversal.Id, SagaSteps.Post));

        await LedgerApi.ExpectAsync(await Api.Client.PostAsJsonAsync($"/api/v1/reversals/{reversal.Id}/approval", new { approved = true }),
            HttpStatusCode.Accepted);
        var done = await Api.FinishedAsync(reversal.Id);

        done.Status.ShouldBe("completed", done.FailureReason);
        (await Api.ScalarAsync<long>($"SELECT count(*) FROM journal_entries WHERE reverses_entry_id = '{planted}'")).ShouldBe(0);
        (await Api.ScalarAsync<long>($"SELECT count(*) FROM journal_entries WHERE reverses_entry_id = '{entry}'")).ShouldBe(1);
        (await Api.GetAccountAsync(attackerTo)).Balance.ShouldBe(4_000);
        (await Api.GetAccountAsync(receiver)).Balance.ShouldBe(0);
        (await Api.GetAccountAsync(payer)).Balance.ShouldBe(SagaHost.ApprovalThreshold + 1);
        await Api.AssertLedgerInvariantsAsync();
    }

    /// <summary>Defence in depth: even a row in the saga's own scope is used only when its request hash is the step's.
    /// A planted post response (here written straight into the table) makes the post step fail, and the compensation
    /// must not mirror the entry that row names.</summary>
    [Fact]
    public async Task AStoredResponseWithAnotherRequestHash_IsNeverReplayedOrMirrored()
    {
        var (_, receiver, entry, reversal, attackerFrom, attackerTo) = await AwaitingApprovalAsync();
        var planted = await TransferAsync(attackerFrom, attackerTo, 4_000);
        var plantedBody = await Api.Client.GetStringAsync($"/api/v1/entries/{planted}");
        await Api.ExecuteAsync(
            $"""
            INSERT INTO idempotency_keys (scope, key, request_hash, status_code, response_body, created_at, expires_at)
            VALUES ('internal:reversal-saga', '{SagaSteps.Key(reversal.Id, SagaSteps.Post)}', '\x00'::bytea, 201,
                    convert_to('{plantedBody.Replace("'", "''")}', 'UTF8'), now(), now() + interval '1 day')
            """);

        await LedgerApi.ExpectAsync(await Api.Client.PostAsJsonAsync($"/api/v1/reversals/{reversal.Id}/approval", new { approved = true }),
            HttpStatusCode.Accepted);
        var done = await Api.FinishedAsync(reversal.Id);

        done.Status.ShouldBe("failed");
        done.FailureReason!.ShouldContain("idempotency_key_reused");
        done.Compensations.ShouldBe([Compensations.HoldVoided]);
        (await Api.ScalarAsync<long>($"SELECT count(*) FROM journal_entries WHERE reverses_entry_id IN ('{planted}', '{entry}')")).ShouldBe(0);
        (await Api.GetAccountAsync(attackerTo)).Balance.ShouldBe(4_000);
        (await Api.GetAccountAsync(receiver)).Balance.ShouldBe(SagaHost.ApprovalThreshold + 1);
        await Api.AssertLedgerInvariantsAsync();
    }

    /// <summary>fraud-service's <c>fraud-alert-{id}-{action}</c> keys: a client that claims one first (with another
    /// request) used to make fraud's freeze a 422, a final refusal, so the freeze never happened. fraud-service calls with
    /// its own client-credentials token, so its keys live in the <c>client:fraud-service</c> scope, apart from any teller's.</summary>
    [Fact]
    public async Task AClientCannotClaimFraudServicesKeys_AndTheFreezeHappens()
    {
        var target = (await Api.OpenAccountAsync("suspect")).Id;
        var decoy = (await Api.OpenAccountAsync("decoy")).Id;
        var key = $"fraud-alert-{Guid.NewGuid()}-freeze";

        var claimed = await Freeze(decoy, key, Callers.Teller("mallory-the-teller"));
        var fraud = await Freeze(target, key, Callers.FraudService());
        var fraudRetry = await Freeze(target, key, Callers.FraudService());

        claimed.StatusCode.ShouldBe(HttpStatusCode.OK);
        fraud.StatusCode.ShouldBe(HttpStatusCode.OK, await fraud.Content.ReadAsStringAsync());
        fraud.Headers.Contains("Idempotent-Replayed").ShouldBeFalse();
        fraudRetry.StatusCode.ShouldBe(HttpStatusCode.OK);
        fraudRetry.Headers.GetValues("Idempotent-Replayed").ShouldBe(["true"]);
        (await Api.GetAccountAsync(target)).Status.ShouldBe("frozen");
        (await Api.ScalarAsync<string>($"SELECT string_agg(scope, ',' ORDER BY scope) FROM idempotency_keys WHERE key = '{key}'"))
            .ShouldBe("client:fraud-service,user:mallory-the-teller");
    }

    /// <summary>Whatever a request says about its caller, it cannot select an internal scope: the token's caller is the
    /// scope, whatever Dapr caller header comes along, so the saga's key sent with it is the client's own key.</summary>
    [Theory]
    [InlineData("internal:reversal-saga")]
    [InlineData("reversal-saga")]
    public async Task NoCallerHeaderReachesTheSagasScope(string callerApp)
    {
        var (_, _, entry, reversal, attackerFrom, attackerTo) = await AwaitingApprovalAsync();
        await TransferAsync(attackerFrom, attackerTo, 1_000, key: SagaSteps.Key(reversal.Id, SagaSteps.Hold), callerApp: callerApp);

        await LedgerApi.ExpectAsync(await Api.Client.PostAsJsonAsync($"/api/v1/reversals/{reversal.Id}/approval", new { approved = true }),
            HttpStatusCode.Accepted);

        (await Api.FinishedAsync(reversal.Id)).Status.ShouldBe("completed");
        (await Api.ScalarAsync<long>($"SELECT count(*) FROM journal_entries WHERE reverses_entry_id = '{entry}'")).ShouldBe(1);
        (await Api.ScalarAsync<string>($"SELECT string_agg(scope, ',' ORDER BY scope) FROM idempotency_keys WHERE key = '{SagaSteps.Key(reversal.Id, SagaSteps.Hold)}'"))
            .ShouldBe($"internal:reversal-saga,user:{Callers.StaffSubject}");
    }

    private async Task<HttpResponseMessage> Freeze(Guid account, string key, System.Net.Http.Headers.AuthenticationHeaderValue caller)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/accounts/{account}/freeze")
        {
            Content = JsonContent.Create(new { reason = "fraud-service alert" }),
        };
        request.Headers.Add("Idempotency-Key", key);
        request.Headers.Add("dapr-caller-app-id", "fraud-service");
        request.Headers.Authorization = caller;
        return await Api.Client.SendAsync(request);
    }
}
