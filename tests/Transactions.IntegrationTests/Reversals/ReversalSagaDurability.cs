using System.Net.Http.Json;
using LedgerX.LocalDapr.Hosting;
using LedgerX.Testing;
using LedgerX.Transactions.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace LedgerX.Transactions.IntegrationTests.Reversals;

/// <summary>
/// A host killed mid-saga, with workflow state in PostgreSQL (the actor state store): a new host on the same ledger
/// database and sidecar resumes the saga, and the reversal happens exactly once.
/// </summary>
public sealed class ReversalSagaDurability : IAsyncLifetime
{
    private readonly string _resources = Directory.CreateTempSubdirectory("ledgerx-durable-sagas-").FullName;
    private readonly int _grpcPort = LedgerApi.FreePort();
    private string _ledgerDatabase = "";
    private string _workflowDatabase = "";
    private LocalDaprSidecar? _sidecar;

    public async ValueTask InitializeAsync()
    {
        _ledgerDatabase = await LedgerDatabases.CreateAsync("ledger");
        _workflowDatabase = await TestPostgres.CreateDatabaseAsync("wf");
        _sidecar = await SagaHost.StartSidecarAsync(_grpcPort, _resources, postgresActorStore: _workflowDatabase);
    }

    public async ValueTask DisposeAsync()
    {
        if (_sidecar is not null)
        {
            await _sidecar.DisposeAsync();
        }
        Npgsql.NpgsqlConnection.ClearAllPools();
        await TestPostgres.DropDatabaseAsync(_ledgerDatabase);
        await TestPostgres.DropDatabaseAsync(_workflowDatabase);
        Directory.Delete(_resources, recursive: true);
    }

    private async Task<SagaHost> StartHostAsync(StepStalls? stalls = null)
    {
        // Long enough an approval timeout that only the approval can end the wait, however slow the restart.
        var host = new SagaHost(_grpcPort, _ledgerDatabase) { Stalls = stalls ?? new StepStalls(), ApprovalTimeoutMs = 60_000 };
        await host.InitializeAsync();
        return host;
    }

    [Fact]
    public async Task AHostKilledRightAfterTheHoldCommitted_IsReplacedAndTheReversalHappensOnce()
    {
        var stalls = new StepStalls();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        stalls.AfterCommit[Api.Reversals.SagaSteps.Hold] = release;
        var first = await StartHostAsync(stalls);
        var payer = await first.OpenAccountAsync("payer");
        var receiver = await first.OpenAccountAsync("receiver");
        await first.DepositAsync(payer.Id, 800);
        var entry = await TransferAsync(first, payer.Id, receiver.Id, 800);
        var accepted = await first.RequestReversalAsync(entry, reason: "stall:hold");
        await stalls.Reached.Task.WaitAsync(TimeSpan.FromSeconds(20));

        // The host dies with the hold committed and its step unreported; the stalled run then fails like a dead process.
        var dying = first.DisposeAsync().AsTask();
        release.SetResult();
        await dying;
        await using var second = await StartHostAsync();
        var done = await second.FinishedAsync(accepted.Id);

        done.Status.ShouldBe("completed", done.FailureReason);
        (await second.ScalarAsync<long>($"SELECT count(*) FROM holds WHERE description = 'reversal {accepted.Id}'")).ShouldBe(1);
        (await second.ScalarAsync<long>($"SELECT count(*) FROM journal_entries WHERE reverses_entry_id = '{entry}'")).ShouldBe(1);
        (await second.ScalarAsync<long>($"SELECT count(*) FROM event_log WHERE type = 'reversal.completed.v1' AND payload->>'reversalId' = '{accepted.Id}'")).ShouldBe(1);
        (await second.GetAccountAsync(receiver.Id)).Balance.ShouldBe(0);
        (await second.GetAccountAsync(payer.Id)).Balance.ShouldBe(800);
        await second.AssertLedgerInvariantsAsync();
    }

    [Fact]
    public async Task AHostKilledWhileTheSagaWaitsForApproval_IsReplaced_AndTheApprovalReachesTheSaga()
    {
        var first = await StartHostAsync();
        var payer = await first.OpenAccountAsync("payer");
        var receiver = await first.OpenAccountAsync("receiver");
        await first.DepositAsync(payer.Id, SagaHost.ApprovalThreshold * 2);
        var entry = await TransferAsync(first, payer.Id, receiver.Id, SagaHost.ApprovalThreshold * 2);
        var accepted = await first.RequestReversalAsync(entry);
        await first.WaitForAsync(accepted.Id, r => r.Status == "awaiting_approval");

        await first.DisposeAsync();
        await using var second = await StartHostAsync();
        (await second.Client.PostAsJsonAsync($"/api/v1/reversals/{accepted.Id}/approval", new { approved = true })).EnsureSuccessStatusCode();
        var done = await second.FinishedAsync(accepted.Id);

        done.Status.ShouldBe("completed", done.FailureReason);
        (await second.ScalarAsync<long>($"SELECT count(*) FROM journal_entries WHERE reverses_entry_id = '{entry}'")).ShouldBe(1);
        await second.AssertLedgerInvariantsAsync();
    }

    /// <summary>
    /// Issue 19: the 202 goes before the saga is scheduled. A host that dies in between (here: its start queue is never
    /// drained, and it is then stopped) loses only the in-memory start; the reversal is committed and pending, and the next
    /// host's sweeper starts its saga. The reversal happens once.
    /// </summary>
    [Fact]
    public async Task AHostKilledBetweenThe202AndTheSagasStart_LeavesItToTheSweeper_AndTheReversalHappensOnce()
    {
        var first = new SagaHost(_grpcPort, _ledgerDatabase) { SchedulesSagas = false };
        await first.InitializeAsync();
        var payer = await first.OpenAccountAsync("payer");
        var receiver = await first.OpenAccountAsync("receiver");
        await first.DepositAsync(payer.Id, 300);
        var entry = await TransferAsync(first, payer.Id, receiver.Id, 300);
        var accepted = await first.RequestReversalAsync(entry, key: $"rev-{Guid.NewGuid()}");

        accepted.Status.ShouldBe("pending");
        var workflows = first.Services.GetRequiredService<Dapr.Workflow.DaprWorkflowClient>();
        (await workflows.GetWorkflowStateAsync(accepted.Id.ToString(), getInputsAndOutputs: false) is { Exists: true }).ShouldBeFalse();
        await first.DisposeAsync();

        // The successor's sweeper looks at reversals still for half a second.
        await using var second = new SagaHost(_grpcPort, _ledgerDatabase) { SweepStaleAfterMs = 500 };
        await second.InitializeAsync();
        var done = await second.WaitForAsync(accepted.Id, r => r.Status is "completed" or "failed", seconds: 60);

        done.Status.ShouldBe("completed", done.FailureReason);
        (await second.ScalarAsync<long>($"SELECT count(*) FROM journal_entries WHERE reverses_entry_id = '{entry}'")).ShouldBe(1);
        (await second.ScalarAsync<long>("SELECT count(*) FROM reversals WHERE saga_checked_at IS NOT NULL")).ShouldBe(1);
        (await second.GetAccountAsync(receiver.Id)).Balance.ShouldBe(0);
        (await second.GetAccountAsync(payer.Id)).Balance.ShouldBe(300);
        await second.AssertLedgerInvariantsAsync();
    }

    private static async Task<Guid> TransferAsync(SagaHost host, Guid from, Guid to, long amount)
    {
        var response = await host.Client.PostAsJsonAsync("/api/v1/transfers", new { fromAccountId = from, toAccountId = to, amount, currency = "EUR" });
        await LedgerApi.ExpectAsync(response, System.Net.HttpStatusCode.Created);
        return (await response.Content.ReadFromJsonAsync<System.Text.Json.Nodes.JsonObject>())!["id"]!.GetValue<Guid>();
    }
}
