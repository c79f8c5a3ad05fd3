using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LedgerX.Transactions.Api.Reversals;
using LedgerX.Transactions.IntegrationTests.Infrastructure;

namespace LedgerX.Transactions.IntegrationTests.Reversals;

/// <summary>Approvals: recorded once (one decision wins), honouring Idempotency-Key, and never mistaken for the timeout.</summary>
public sealed class ReversalApprovalDecisions(PatientApprovalEnvironment environment) : IClassFixture<PatientApprovalEnvironment>
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

    /// <summary>A payer who sent <paramref name="amount"/> to a receiver.</summary>
    private async Task<(Guid Payer, Guid Receiver, Guid Entry)> TransferAsync(long amount)
    {
        var payer = (await Api.OpenAccountAsync("payer")).Id;
        var receiver = (await Api.OpenAccountAsync("receiver")).Id;
        await Api.DepositAsync(payer, amount);
        var transfer = await Api.Client.PostAsJsonAsync("/api/v1/transfers", new { fromAccountId = payer, toAccountId = receiver, amount, currency = "EUR" });
        await LedgerApi.ExpectAsync(transfer, HttpStatusCode.Created);
        return (payer, receiver, (await transfer.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<Guid>());
    }

    /// <summary>A decision by the approver whose token's subject is <paramref name="by"/>: who decides is the caller.</summary>
    private async Task<HttpResponseMessage> DecideAsync(Guid reversal, bool approved, string by, string? key = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/reversals/{reversal}/approval") { Content = JsonContent.Create(new { approved }) };
        request.Headers.Authorization = Callers.FraudAnalyst(by);
        if (key is not null)
        {
            request.Headers.Add("Idempotency-Key", key);
        }
        return await Api.Client.SendAsync(request);
    }

    /// <summary>Here, not in ReversalSagas: with that fixture's 1.5 s approval timeout, a loaded machine (load average 40
    /// on 2 cores) let the timeout win the race against the rejection, and the reversal failed as "approval timed out".</summary>
    [Fact]
    public async Task ARejectedApproval_FailsTheReversal()
    {
        var reversal = await AwaitingApprovalAsync();

        (await DecideAsync(reversal, approved: false, "ops-ben")).EnsureSuccessStatusCode();
        var done = await Api.FinishedAsync(reversal);

        (done.Status, done.FailureReason).ShouldBe(("failed", "rejected by ops-ben"));
    }

    /// <summary>Issue 11: three concurrent sends with one key were three 202s, none marked as a replay.</summary>
    [Fact]
    public async Task ThreeConcurrentSendsWithOneKey_AreOneDecision_AndTwoReplaysOfIt()
    {
        var reversal = await AwaitingApprovalAsync();
        var key = $"approve-{Guid.NewGuid()}";

        var responses = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => DecideAsync(reversal, approved: true, "ops-anna", key)));

        responses.ShouldAllBe(r => r.StatusCode == HttpStatusCode.Accepted);
        responses.Count(r => r.Headers.Contains("Idempotent-Replayed")).ShouldBe(2);
        (await Task.WhenAll(responses.Select(r => r.Content.ReadAsStringAsync()))).Distinct().Count().ShouldBe(1);
        var again = await DecideAsync(reversal, approved: false, "ops-anna", key);
        again.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        (await again.Content.ReadFromJsonAsync<JsonObject>())!["code"]!.GetValue<string>().ShouldBe("idempotency_key_reused");
        var done = await Api.FinishedAsync(reversal);
        done.Status.ShouldBe("completed", done.FailureReason);
        await Api.AssertLedgerInvariantsAsync();
    }

    /// <summary>Issue 11: an approve and a reject sent together were both 202 while only one applied. Several rounds, so
    /// the two really race.</summary>
    [Fact]
    public async Task AnApproveAndARejectSentTogether_ExactlyOneWins_AndTheOtherIs409()
    {
        for (var round = 0; round < 4; round++)
        {
            var reversal = await AwaitingApprovalAsync();

            var both = await Task.WhenAll(DecideAsync(reversal, approved: true, "ops-anna"), DecideAsync(reversal, approved: false, "ops-ben"));

            both.Count(r => r.StatusCode == HttpStatusCode.Accepted).ShouldBe(1);
            var loser = both.Single(r => r.StatusCode != HttpStatusCode.Accepted);
            loser.StatusCode.ShouldBe(HttpStatusCode.Conflict);
            (await loser.Content.ReadFromJsonAsync<JsonObject>())!["code"]!.GetValue<string>().ShouldBe("reversal_already_decided");
            var approvedWon = both[0].StatusCode == HttpStatusCode.Accepted;
            var done = await Api.FinishedAsync(reversal);
            (done.Status, done.FailureReason).ShouldBe(approvedWon ? ("completed", null) : ("failed", "rejected by ops-ben"));
        }
        await Api.AssertLedgerInvariantsAsync();
    }

    /// <summary>Issue 11: an approver named "timeout" was recorded as the timeout (now: a user whose subject is "timeout").</summary>
    [Fact]
    public async Task AnApproverNamedTimeout_IsRecordedAsTheirRejection_NotAsATimeout()
    {
        var reversal = await AwaitingApprovalAsync();

        await LedgerApi.ExpectAsync(await DecideAsync(reversal, approved: false, "timeout"), HttpStatusCode.Accepted);
        var done = await Api.FinishedAsync(reversal);

        (done.Status, done.FailureReason).ShouldBe(("failed", "rejected by timeout"));
        var step = done.Steps.Single(s => s.Name == "approval");
        (step.Outcome, step.Detail).ShouldBe(("rejected", "by timeout"));
    }

    /// <summary>Here, not in ReversalSagas, for the reason <see cref="ARejectedApproval_FailsTheReversal"/> is.</summary>
    [Fact]
    public async Task AboveTheThreshold_ItWaitsForApproval_ThenCompletesWhenApproved()
    {
        var (_, receiver, entry) = await TransferAsync(SagaHost.ApprovalThreshold + 1);

        var accepted = await Api.RequestReversalAsync(entry);
        await Api.WaitForAsync(accepted.Id, r => r.Status == "awaiting_approval");
        var approval = await Api.Client.PostAsJsonAsync($"/api/v1/reversals/{accepted.Id}/approval", new { approved = true });
        await LedgerApi.ExpectAsync(approval, HttpStatusCode.Accepted);
        var done = await Api.FinishedAsync(accepted.Id);

        done.Status.ShouldBe("completed");
        done.Steps.Single(s => s.Name == "approval").Outcome.ShouldBe("approved");
        (await Api.GetAccountAsync(receiver)).Balance.ShouldBe(0);
        await Api.AssertLedgerInvariantsAsync();
    }

    /// <summary>The saga's hold belongs to its reversal: a client who learns its id can neither void nor post it through
    /// the holds API (409 hold_owned_by_reversal, nothing changes), so it cannot make the saga fail. The stall seam keeps
    /// the saga between its hold and its post step (after an approval) while the client tries. Here, not in ReversalSagas:
    /// under that fixture's 1.5 s approval timeout a loaded machine let the timeout beat the approval, the saga failed
    /// before its hold, and the wait for the stall ran out. The wait is a hang guard, like <see cref="SagaHost.WaitForAsync"/>'s.</summary>
    [Fact]
    public async Task WhileTheSagaHoldsTheFunds_AClientCannotVoidOrPostItsHold_AndTheSagaStillPostsIt()
    {
        var amount = SagaHost.ApprovalThreshold + 1;
        var (payer, receiver, entry) = await TransferAsync(amount);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Api.Stalls.AfterCommit[SagaSteps.Hold] = release;
        var accepted = await Api.RequestReversalAsync(entry, reason: "stall:hold");
        await Api.WaitForAsync(accepted.Id, r => r.Status == "awaiting_approval");
        await LedgerApi.ExpectAsync(await Api.Client.PostAsJsonAsync($"/api/v1/reversals/{accepted.Id}/approval", new { approved = true }),
            HttpStatusCode.Accepted);
        await Api.Stalls.Reached.Task.WaitAsync(TimeSpan.FromSeconds(120));

        var holdId = await Api.ScalarAsync<Guid>($"SELECT id FROM holds WHERE reversal_id = '{accepted.Id}'");
        var eventsBefore = await Api.ScalarAsync<long>("SELECT count(*) FROM event_log");
        var voided = await Api.Client.PostAsync($"/api/v1/holds/{holdId}/void", null);
        var posted = await Api.Client.PostAsJsonAsync($"/api/v1/holds/{holdId}/post", new { amount = 1 });

        foreach (var refused in new[] { voided, posted })
        {
            refused.StatusCode.ShouldBe(HttpStatusCode.Conflict);
            var problem = (await refused.Content.ReadFromJsonAsync<JsonObject>())!;
            problem["code"]!.GetValue<string>().ShouldBe("hold_owned_by_reversal", problem.ToJsonString());
            problem["detail"]!.GetValue<string>().ShouldContain(holdId.ToString());
        }
        (await Api.ScalarAsync<long>("SELECT count(*) FROM event_log")).ShouldBe(eventsBefore);
        var hold = (await Api.Client.GetFromJsonAsync<JsonObject>($"/api/v1/holds/{holdId}"))!;
        (hold["status"]!.GetValue<string>(), hold["reversalId"]!.GetValue<Guid>()).ShouldBe(("pending", accepted.Id));
        (await Api.GetAccountAsync(receiver)).HeldAmount.ShouldBe(amount);
        (await Api.ScalarAsync<string>($"SELECT payload->>'reversalId' FROM event_log WHERE type = 'hold.created.v1' AND payload->>'holdId' = '{holdId}'"))
            .ShouldBe(accepted.Id.ToString());

        // The stalled attempt then fails like a host dying after its commit; the retry finds the same hold and goes on.
        Api.Stalls.AfterCommit.TryRemove(SagaSteps.Hold, out _);
        release.SetResult();
        var done = await Api.FinishedAsync(accepted.Id);

        done.Status.ShouldBe("completed", done.FailureReason);
        (await Api.ScalarAsync<string>($"SELECT status FROM holds WHERE id = '{holdId}'")).ShouldBe("posted");
        (await Api.GetAccountAsync(receiver)).Balance.ShouldBe(0);
        (await Api.GetAccountAsync(payer)).Balance.ShouldBe(amount);
        await Api.AssertLedgerInvariantsAsync();
    }
}
