using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LedgerX.LocalDapr.Hosting;
using LedgerX.Transactions.Api.Reversals;
using LedgerX.Transactions.IntegrationTests.Infrastructure;

namespace LedgerX.Transactions.IntegrationTests.Reversals;

/// <summary>The service and its sidecar (in-memory workflow state), shared by the tests of <see cref="ReversalSagas"/>.</summary>
public class SagaEnvironment : IAsyncLifetime
{
    private readonly string _resources = Directory.CreateTempSubdirectory("ledgerx-sagas-").FullName;
    private LocalDaprSidecar? _sidecar;

    public SagaEnvironment() : this(port => new SagaHost(port))
    {
    }

    protected SagaEnvironment(Func<int, SagaHost> host) => Api = host(LedgerApi.FreePort());

    public SagaHost Api { get; }

    public async ValueTask InitializeAsync()
    {
        _sidecar = await SagaHost.StartSidecarAsync(Api.SidecarGrpcPort, _resources);
        await Api.InitializeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await Api.DisposeAsync();
        if (_sidecar is not null)
        {
            await _sidecar.DisposeAsync();
        }
        Directory.Delete(_resources, recursive: true);
    }
}

/// <summary>Approvals wait a minute, so a test that prepares something while a reversal waits is never raced by the timeout.</summary>
public sealed class PatientApprovalEnvironment() : SagaEnvironment(port => new SagaHost(port) { ApprovalTimeoutMs = 60_000 });

/// <summary>Reversal sagas end to end through the real Dapr Workflow SDK and the local sidecar's workflow engine.</summary>
public sealed partial class ReversalSagas(SagaEnvironment environment) : IClassFixture<SagaEnvironment>
{
    private SagaHost Api => environment.Api;

    /// <summary>A payer who sent <paramref name="amount"/> to a receiver who has <paramref name="receiverBalance"/> in all.</summary>
    private async Task<(Guid Payer, Guid Receiver, Guid Entry)> TransferAsync(long amount, long? receiverBalance = null)
    {
        var payer = await Api.OpenAccountAsync("payer");
        var receiver = await Api.OpenAccountAsync("receiver");
        await Api.DepositAsync(payer.Id, amount);
        var response = await Api.Client.PostAsJsonAsync("/api/v1/transfers", new { fromAccountId = payer.Id, toAccountId = receiver.Id, amount, currency = "EUR" });
        await LedgerApi.ExpectAsync(response, HttpStatusCode.Created);
        var entry = (await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<Guid>();
        if (receiverBalance is { } target && target < amount)
        {
            (await Api.Client.PostAsJsonAsync("/api/v1/withdrawals", new { accountId = receiver.Id, amount = amount - target, currency = "EUR" })).EnsureSuccessStatusCode();
        }
        return (payer.Id, receiver.Id, entry);
    }

    private async Task<List<string>> LoggedTypesAsync(Guid reversalId)
    {
        var types = await Api.ScalarAsync<string[]>(
            $"SELECT coalesce(array_agg(type ORDER BY sequence), '{{}}') FROM event_log WHERE type LIKE 'reversal.%' AND payload->>'reversalId' = '{reversalId}'");
        return [.. types];
    }

    [Fact]
    public async Task HappyPath_PostsANewReversingEntry_AndPublishesRequestedAndCompleted()
    {
        var (payer, receiver, entry) = await TransferAsync(700);

        var accepted = await Api.RequestReversalAsync(entry, reason: "duplicate payment");
        // The reversal shows completed when the notify step's event commits; the step's own record follows it (CI once
        // read the reversal in between).
        var done = await Api.WaitForAsync(accepted.Id, r => r.Status == "failed" || (r.Status == "completed" && r.Steps.Any(s => s.Name == "notify")));

        done.Status.ShouldBe("completed");
        done.Steps.Select(s => (s.Name, s.Outcome)).ShouldBe([("validate", "succeeded"), ("hold", "succeeded"), ("post", "succeeded"), ("notify", "succeeded")]);
        done.Steps.ShouldAllBe(s => s.FinishedAt >= s.StartedAt);
        var reversing = await Api.Client.GetFromJsonAsync<JsonObject>($"/api/v1/entries/{done.ReversalEntryId}");
        reversing!["kind"]!.GetValue<string>().ShouldBe("reversal");
        reversing["reversesEntryId"]!.GetValue<Guid>().ShouldBe(entry);
        (await Api.GetAccountAsync(receiver)).Balance.ShouldBe(0);
        (await Api.GetAccountAsync(payer)).Balance.ShouldBe(700);
        (await LoggedTypesAsync(accepted.Id)).ShouldBe(["reversal.requested.v1", "reversal.completed.v1"]);
        (await Api.ScalarAsync<long>($"SELECT count(*) FROM outbox o JOIN event_log e USING (sequence) WHERE e.type LIKE 'reversal.%' AND e.payload->>'reversalId' = '{accepted.Id}'")).ShouldBe(2);
        // The saga's hold names its reversal too (hold.created.v1 reversalId), published like every event.
        (await Api.ScalarAsync<long>($"SELECT count(*) FROM outbox o JOIN event_log e USING (sequence) WHERE e.type = 'hold.created.v1' AND e.payload->>'reversalId' = '{accepted.Id}'")).ShouldBe(1);
        await Api.AssertLedgerInvariantsAsync();
    }

    [Fact]
    public async Task APartialReversal_LeavesTheRestReversible_AndTheRetriedRequestStartsNoSecondSaga()
    {
        var (_, receiver, entry) = await TransferAsync(1_000);
        var key = $"rev-{Guid.NewGuid()}";

        var first = await Api.RequestReversalAsync(entry, 400, key: key);
        var retried = await Api.RequestReversalAsync(entry, 400, key: key);
        await Api.FinishedAsync(first.Id);

        retried.Id.ShouldBe(first.Id);
        (await Api.GetAccountAsync(receiver)).Balance.ShouldBe(600);
        var rest = await Api.FinishedAsync((await Api.RequestReversalAsync(entry)).Id);
        rest.Amount.ShouldBe(600);
        rest.Status.ShouldBe("completed");
        (await Api.GetAccountAsync(receiver)).Balance.ShouldBe(0);
        await Api.AssertLedgerInvariantsAsync();
    }

    [Fact]
    public async Task WithoutAnAnswer_TheApprovalTimesOut_AndTheReversalFailsWithNothingMoved()
    {
        var (_, receiver, entry) = await TransferAsync(SagaHost.ApprovalThreshold + 1);

        var accepted = await Api.RequestReversalAsync(entry);
        var done = await Api.FinishedAsync(accepted.Id);

        done.Status.ShouldBe("failed");
        done.FailureReason.ShouldBe("approval timed out");
        done.Steps.Single(s => s.Name == "approval").Outcome.ShouldBe("timed_out");
        done.Compensations.ShouldBeEmpty();
        (await Api.GetAccountAsync(receiver)).Balance.ShouldBe(SagaHost.ApprovalThreshold + 1);
        (await LoggedTypesAsync(accepted.Id)).ShouldBe(["reversal.requested.v1", "reversal.failed.v1"]);
        await Api.AssertLedgerInvariantsAsync();
    }

    [Theory]
    [InlineData("validate", new string[0], 700L)]
    [InlineData("hold", new string[0], 700L)]
    [InlineData("post", new[] { "hold_voided" }, 700L)]
    public async Task AFailureAtEachStepBeforeThePivot_RunsExactlyTheCompensationsOfTheStepsBefore(string step, string[] compensations, long receiverBalanceAfter)
    {
        var (payer, receiver, entry) = await TransferAsync(700);

        var accepted = await Api.RequestReversalAsync(entry, reason: $"fail:{step}");
        var done = await Api.FinishedAsync(accepted.Id);

        done.Status.ShouldBe("failed");
        done.FailureReason!.ShouldContain($"injected failure at {step}");
        done.Compensations.ShouldBe(compensations);
        done.Steps.Single(s => s.Name == step).Outcome.ShouldBe("failed");
        (await Api.GetAccountAsync(receiver)).Balance.ShouldBe(receiverBalanceAfter);
        (await Api.GetAccountAsync(receiver)).HeldAmount.ShouldBe(0);
        (await Api.GetAccountAsync(payer)).Balance.ShouldBe(0);
        (await LoggedTypesAsync(accepted.Id)).ShouldBe(["reversal.requested.v1", "reversal.failed.v1"]);
        await Api.AssertLedgerInvariantsAsync();
    }

    [Fact]
    public async Task WhenTheReceiverNoLongerHasTheFunds_TheSagaFailsAndNothingIsOverdrawn()
    {
        var (payer, receiver, entry) = await TransferAsync(700, receiverBalance: 300);

        var done = await Api.FinishedAsync((await Api.RequestReversalAsync(entry)).Id);

        done.Status.ShouldBe("failed");
        done.FailureReason!.ShouldContain("insufficient_funds");
        (await Api.GetAccountAsync(receiver)).Balance.ShouldBe(300);
        (await Api.GetAccountAsync(payer)).Balance.ShouldBe(0);
        await Api.AssertLedgerInvariantsAsync();
    }

    [Fact]
    public async Task ConcurrentRequestsForOneEntry_ReverseItExactlyOnce()
    {
        var (payer, receiver, entry) = await TransferAsync(900);
        // The receiver has twice the amount, so only the ledger rule (not a lack of funds) can stop the second reversal.
        await Api.DepositAsync(receiver, 900);

        var accepted = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Api.RequestReversalAsync(entry)));
        var done = await Task.WhenAll(accepted.Select(a => Api.FinishedAsync(a.Id)));

        done.Count(r => r.Status == "completed").ShouldBe(1);
        // The others lose either at the hold (two holds exhaust the receiver) or at the ledger rule; none posts.
        done.Where(r => r.Status == "failed").ShouldAllBe(r =>
            r.FailureReason!.Contains("reversal_exceeds_entry") || r.FailureReason.Contains("left to reverse") || r.FailureReason.Contains("insufficient_funds"));
        (await Api.GetAccountAsync(receiver)).Balance.ShouldBe(900);
        (await Api.GetAccountAsync(payer)).Balance.ShouldBe(900);
        (await Api.ScalarAsync<long>($"SELECT count(*) FROM journal_entries WHERE reverses_entry_id = '{entry}'")).ShouldBe(1);
        await Api.AssertLedgerInvariantsAsync();
    }

    [Theory]
    [InlineData("""{"amount":10,"reason":"x"}""", "entryId")]
    [InlineData("""{"entryId":"00000000-0000-0000-0000-000000000001","amount":10}""", "reason")]
    [InlineData("""{"entryId":"00000000-0000-0000-0000-000000000001","amount":10,"reason":"x"}""", "entryId")]
    [InlineData("""{"entryId":"$ENTRY","amount":0,"reason":"x"}""", "amount")]
    [InlineData("""{"entryId":"$ENTRY","amount":701,"reason":"x"}""", "amount")]
    public async Task BadInput_IsAProblemNamingTheField_AndWritesNothing(string body, string field)
    {
        var (_, _, entry) = await TransferAsync(700);
        var before = await Api.ScalarAsync<long>("SELECT count(*) FROM event_log");

        var response = await Api.Client.PostAsync("/api/v1/reversals",
            new StringContent(body.Replace("$ENTRY", entry.ToString()), System.Text.Encoding.UTF8, "application/json"));

        ((int)response.StatusCode).ShouldBeInRange(400, 499);
        var problem = await response.Content.ReadFromJsonAsync<JsonObject>();
        problem!["errors"]!.AsObject().ContainsKey(field).ShouldBeTrue(problem.ToJsonString());
        (await Api.ScalarAsync<long>("SELECT count(*) FROM event_log")).ShouldBe(before);
        (await Api.ScalarAsync<long>("SELECT count(*) FROM reversals WHERE entry_id = '" + entry + "'")).ShouldBe(0);
    }

    [Fact]
    public async Task ApprovingAReversalThatIsNotWaiting_IsAConflict_AndAnUnknownOneIsNotFound()
    {
        var (_, _, entry) = await TransferAsync(50);
        var done = await Api.FinishedAsync((await Api.RequestReversalAsync(entry)).Id);

        var conflict = await Api.Client.PostAsJsonAsync($"/api/v1/reversals/{done.Id}/approval", new { approved = true });
        var missing = await Api.Client.PostAsJsonAsync($"/api/v1/reversals/{Guid.NewGuid()}/approval", new { approved = true });

        conflict.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        missing.StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task ListsByAccountAndStatus_InPages()
    {
        var (payer, _, entry) = await TransferAsync(300);
        var ids = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add((await Api.FinishedAsync((await Api.RequestReversalAsync(entry, 100)).Id)).Id);
        }

        var first = await Api.Client.GetFromJsonAsync<JsonObject>($"/api/v1/reversals?accountId={payer}&status=completed&limit=2");
        var second = await Api.Client.GetFromJsonAsync<JsonObject>($"/api/v1/reversals?accountId={payer}&status=completed&limit=2&after={first!["nextCursor"]}");

        first["items"]!.AsArray().Select(i => i!["id"]!.GetValue<Guid>()).Concat(second!["items"]!.AsArray().Select(i => i!["id"]!.GetValue<Guid>()))
            .ShouldBe(ids);
        second["nextCursor"].ShouldBeNull();
        (await Api.Client.GetAsync("/api/v1/reversals?status=lost")).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }
}
