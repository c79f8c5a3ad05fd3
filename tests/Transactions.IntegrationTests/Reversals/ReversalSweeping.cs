using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Dapr.Workflow;
using LedgerX.LocalDapr.Hosting;
using LedgerX.Testing;
using LedgerX.Transactions.Api.Reversals;
using LedgerX.Transactions.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace LedgerX.Transactions.IntegrationTests.Reversals;

/// <summary>
/// Issue 11 items 5 and 9: with the sidecar down, POST /reversals and approvals answer at once (202: the reversal or the
/// decision is committed), and the reversal sweeper starts the saga, delivers the decision, or re-drives a saga that
/// ended without finishing its reversal. Workflow state lives in PostgreSQL, so the sidecar can be stopped and started.
/// </summary>
public sealed class ReversalSweeping : IAsyncLifetime
{
    private readonly string _resources = Directory.CreateTempSubdirectory("ledgerx-sweeper-").FullName;
    private readonly int _grpcPort = LedgerApi.FreePort();
    private string _workflowDatabase = "";
    private LocalDaprSidecar? _sidecar;
    private SagaHost _api = null!;

    public async ValueTask InitializeAsync()
    {
        _workflowDatabase = await TestPostgres.CreateDatabaseAsync("wf");
        // The sweeper looks at a reversal once it has been still for half a second.
        _api = new SagaHost(_grpcPort) { ApprovalTimeoutMs = 120_000, SweepStaleAfterMs = 500 };
        await _api.InitializeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _api.DisposeAsync();
        await StopSidecarAsync();
        Npgsql.NpgsqlConnection.ClearAllPools();
        await TestPostgres.DropDatabaseAsync(_workflowDatabase);
        Directory.Delete(_resources, recursive: true);
    }

    private async Task StartSidecarAsync() => _sidecar = await SagaHost.StartSidecarAsync(_grpcPort, _resources, postgresActorStore: _workflowDatabase);

    private async Task StopSidecarAsync()
    {
        if (_sidecar is not null)
        {
            await _sidecar.DisposeAsync();
            _sidecar = null;
        }
    }

    private async Task<(Guid Payer, Guid Receiver, Guid Entry)> TransferAsync(long amount)
    {
        var payer = (await _api.OpenAccountAsync("payer")).Id;
        var receiver = (await _api.OpenAccountAsync("receiver")).Id;
        await _api.DepositAsync(payer, amount);
        var response = await _api.Client.PostAsJsonAsync("/api/v1/transfers", new { fromAccountId = payer, toAccountId = receiver, amount, currency = "EUR" });
        await LedgerApi.ExpectAsync(response, HttpStatusCode.Created);
        return (payer, receiver, (await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<Guid>());
    }

    [Fact]
    public async Task AReversalRequestedWhileTheSidecarIsDown_Is202AtOnce_AndTheSweeperStartsItsSaga()
    {
        var (payer, receiver, entry) = await TransferAsync(500);

        var clock = Stopwatch.StartNew();
        var accepted = await _api.RequestReversalAsync(entry, key: $"rev-{Guid.NewGuid()}");
        var answeredIn = clock.Elapsed;

        answeredIn.ShouldBeLessThan(TimeSpan.FromSeconds(10));
        accepted.Status.ShouldBe("pending");
        await Task.Delay(1_000); // several sweeps with the sidecar still down: nothing is lost or duplicated
        (await _api.GetReversalAsync(accepted.Id)).Status.ShouldBe("pending");

        await StartSidecarAsync();
        var done = await _api.WaitForAsync(accepted.Id, r => r.Status is "completed" or "failed", seconds: 60);

        done.Status.ShouldBe("completed", done.FailureReason);
        (await _api.GetAccountAsync(receiver)).Balance.ShouldBe(0);
        (await _api.GetAccountAsync(payer)).Balance.ShouldBe(500);
        (await _api.ScalarAsync<long>($"SELECT count(*) FROM journal_entries WHERE reverses_entry_id = '{entry}'")).ShouldBe(1);
        await _api.AssertLedgerInvariantsAsync();
    }

    [Fact]
    public async Task AnApprovalSentWhileTheSidecarIsDown_IsRecorded_AndReachesTheSagaWhenItIsBack()
    {
        await StartSidecarAsync();
        var (_, receiver, entry) = await TransferAsync(SagaHost.ApprovalThreshold + 1);
        var accepted = await _api.RequestReversalAsync(entry);
        await _api.WaitForAsync(accepted.Id, r => r.Status == "awaiting_approval");
        await StopSidecarAsync();

        var clock = Stopwatch.StartNew();
        var approval = await _api.Client.PostAsJsonAsync($"/api/v1/reversals/{accepted.Id}/approval", new { approved = true });
        var answeredIn = clock.Elapsed;
        await StartSidecarAsync();
        var done = await _api.WaitForAsync(accepted.Id, r => r.Status is "completed" or "failed", seconds: 60);

        approval.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        answeredIn.ShouldBeLessThan(TimeSpan.FromSeconds(10));
        done.Status.ShouldBe("completed", done.FailureReason);
        done.Steps.Single(s => s.Name == "approval").Outcome.ShouldBe("approved");
        (await _api.GetAccountAsync(receiver)).Balance.ShouldBe(0);
        await _api.AssertLedgerInvariantsAsync();
    }

    /// <summary>A saga that ended while its reversal is unfinished (here terminated while it waited for approval, as the
    /// engine can lose or end an instance) is run again from its start by the sweeper; the recorded decision lets it go on.</summary>
    [Fact]
    public async Task ASagaThatEndedWithoutFinishingItsReversal_IsReDriven_AndTheReversalHappensOnce()
    {
        await StartSidecarAsync();
        var (payer, receiver, entry) = await TransferAsync(SagaHost.ApprovalThreshold + 1);
        var accepted = await _api.RequestReversalAsync(entry);
        await _api.WaitForAsync(accepted.Id, r => r.Status == "awaiting_approval");
        var workflows = _api.Services.GetRequiredService<DaprWorkflowClient>();
        await workflows.TerminateWorkflowAsync(accepted.Id.ToString(), "lost by the engine");
        await workflows.WaitForWorkflowCompletionAsync(accepted.Id.ToString(), getInputsAndOutputs: false).WaitAsync(TimeSpan.FromSeconds(20));

        await LedgerApi.ExpectAsync(await _api.Client.PostAsJsonAsync($"/api/v1/reversals/{accepted.Id}/approval", new { approved = true }),
            HttpStatusCode.Accepted);
        var done = await _api.WaitForAsync(accepted.Id, r => r.Status is "completed" or "failed", seconds: 60);

        done.Status.ShouldBe("completed", done.FailureReason);
        (await _api.ScalarAsync<long>($"SELECT count(*) FROM journal_entries WHERE reverses_entry_id = '{entry}'")).ShouldBe(1);
        (await _api.ScalarAsync<long>($"SELECT count(*) FROM holds WHERE reversal_id = '{accepted.Id}'")).ShouldBe(1);
        (await _api.GetAccountAsync(receiver)).Balance.ShouldBe(0);
        (await _api.GetAccountAsync(payer)).Balance.ShouldBe(SagaHost.ApprovalThreshold + 1);
        await _api.AssertLedgerInvariantsAsync();
    }

    /// <summary>Two replicas sweeping at once never take the same reversal: the claim is one UPDATE over
    /// FOR UPDATE SKIP LOCKED. Twenty stale reversals, two concurrent claims: disjoint, and together all of them.</summary>
    [Fact]
    public async Task TwoConcurrentClaims_TakeDisjointSetsOfStaleReversals()
    {
        var ids = Enumerable.Range(0, 20).Select(_ => Guid.CreateVersion7()).ToList();
        const string noSteps = "{}";
        foreach (var id in ids)
        {
            // Checked "tomorrow", so the host's own sweeper leaves them alone; the claims below are made two days ahead.
            await _api.ExecuteAsync(
                $"""
                INSERT INTO reversals (id, entry_id, account_id, counterparty_account_id, amount, currency, reason, requires_approval, status, steps,
                    compensations, requested_at, updated_at, saga_checked_at)
                VALUES ('{id}', '{Guid.NewGuid()}', '{Guid.NewGuid()}', '{Guid.NewGuid()}', 1, 'EUR', 'claim test', false, 'pending', '{noSteps}', '[]',
                    now(), now(), now() + interval '1 day')
                """);
        }
        var sweeper = _api.Services.GetRequiredService<ReversalSweeper>();
        var later = DateTimeOffset.UtcNow.AddDays(2);

        var claims = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => Task.Run(() => sweeper.ClaimAsync(later, CancellationToken.None))));

        var claimed = claims.SelectMany(c => c.Select(r => r.Id)).ToList();
        claimed.Count.ShouldBe(claimed.Distinct().Count());
        claimed.Where(ids.Contains).Order().ShouldBe(ids.Order());
    }
}
