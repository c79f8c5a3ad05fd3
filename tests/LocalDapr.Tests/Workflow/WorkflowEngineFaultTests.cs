using Dapr.DurableTask.Protobuf;
using Grpc.Core;
using LedgerX.LocalDapr.Workflow;
using Microsoft.Extensions.Time.Testing;

namespace LedgerX.LocalDapr.Tests.Workflow;

/// <summary>
/// The ways an instance used to wedge, driven with a raw worker (no SDK) so each fault is exact: a worker that
/// holds a turn and never answers, a save that commits but loses its acknowledgement, a save that blocks, an
/// instance table that only grew, and purge by filter.
/// </summary>
public sealed class WorkflowEngineFaultTests
{
    private static CancellationToken Ct => WorkflowTestTimeout.Token;

    private static Task<WorkItem> NextAsync(RawWorker worker) => worker.NextSoonAsync(Ct);

    [Fact]
    public async Task A_turn_its_worker_never_completes_is_handed_out_again_after_the_lease_and_the_late_result_is_refused()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var engine = new WorkflowEngine(new InMemoryWorkflowStore(), time) { TurnLease = TimeSpan.FromSeconds(30) };
        await engine.StartAsync(Ct);
        await using var worker = await RawWorker.ConnectAsync(engine, Ct);
        string id = await engine.StartInstanceAsync(new CreateInstanceRequest { InstanceId = "stalled", Name = "OneStep" }, Ct);
        var stalled = await NextAsync(worker);

        time.Advance(TimeSpan.FromSeconds(31));
        var again = await NextAsync(worker);

        again.WorkflowRequest.InstanceId.ShouldBe(id);
        again.CompletionToken.ShouldNotBe(stalled.CompletionToken);
        await engine.CompleteOrchestratorAsync(Turns.Complete(stalled.WorkflowRequest, "\"late\"", stalled.CompletionToken), Ct);
        (await engine.GetInstanceAsync(id, includePayloads: true, Ct)).WorkflowState.WorkflowStatus.ShouldBe(OrchestrationStatus.Pending);
        await engine.CompleteOrchestratorAsync(Turns.Complete(again.WorkflowRequest, "\"on-time\"", again.CompletionToken), Ct);
        (await engine.WaitForCompletionAsync(id, includePayloads: true, Ct)).WorkflowState.Output.ShouldBe("\"on-time\"");
    }

    [Fact]
    public async Task A_turn_that_was_saved_but_not_acknowledged_still_runs_its_activity()
    {
        var store = new FaultyStore(new InMemoryWorkflowStore()) { LoseAckOfNext = r => r.History.Any(e => e.TaskScheduled is not null) };
        await using var engine = new WorkflowEngine(store);
        await engine.StartAsync(Ct);
        await using var worker = await RawWorker.ConnectAsync(engine, Ct);
        string id = await engine.StartInstanceAsync(new CreateInstanceRequest { InstanceId = "lost-ack", Name = "OneStep" }, Ct);

        // Answer every turn as a deterministic SDK would (schedule activity 0) until the activity itself arrives.
        WorkItem item;
        while ((item = await NextAsync(worker)).RequestCase == WorkItem.RequestOneofCase.WorkflowRequest)
        {
            await engine.CompleteOrchestratorAsync(Turns.ScheduleActivity(item.WorkflowRequest, 0, "A", "\"x\"", item.CompletionToken), Ct);
        }

        store.LostAcks.ShouldBe(1);
        item.ActivityRequest.TaskId.ShouldBe(0);
        await engine.CompleteActivityAsync(new ActivityResponse { InstanceId = id, TaskId = 0, Result = "\"xA\"", CompletionToken = item.CompletionToken }, Ct);
        var last = await NextAsync(worker);
        Turns.ActivityResult(last.WorkflowRequest, 0).ShouldBe("\"xA\"");
        await engine.CompleteOrchestratorAsync(Turns.Complete(last.WorkflowRequest, "\"xA\"", last.CompletionToken), Ct);
        (await engine.WaitForCompletionAsync(id, includePayloads: true, Ct)).WorkflowState.Output.ShouldBe("\"xA\"");
    }

    [Fact]
    public async Task A_save_that_blocks_one_instance_does_not_hold_back_the_turns_of_others()
    {
        var store = new FaultyStore(new InMemoryWorkflowStore());
        await using var engine = new WorkflowEngine(store);
        await engine.StartAsync(Ct);
        await engine.StartInstanceAsync(new CreateInstanceRequest { InstanceId = "slow", Name = "OneStep" }, Ct);
        store.BlockSavesOf = "slow";
        var blockedRaise = engine.RaiseEventAsync("slow", "go", null, Ct);
        await store.Blocked.Task.WaitAsync(Ct);
        await engine.StartInstanceAsync(new CreateInstanceRequest { InstanceId = "fast", Name = "OneStep" }, Ct);

        await using var worker = await RawWorker.ConnectAsync(engine, Ct);
        var handed = new List<string> { (await NextAsync(worker)).WorkflowRequest.InstanceId, (await NextAsync(worker)).WorkflowRequest.InstanceId };

        handed.ShouldContain("fast");
        blockedRaise.IsCompleted.ShouldBeFalse();
        store.Release.SetResult();
        await blockedRaise;
    }

    [Fact]
    public async Task Ids_that_never_existed_and_finished_instances_past_their_retention_leave_memory()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var engine = new WorkflowEngine(new InMemoryWorkflowStore(), time) { FinishedRetention = TimeSpan.FromSeconds(30) };
        await engine.StartAsync(Ct);
        for (int i = 0; i < 50; i++)
        {
            (await engine.GetInstanceAsync($"nobody-{i}", includePayloads: false, Ct)).Exists.ShouldBeFalse();
        }

        engine.InstancesInMemory.ShouldBe(0);
        await using var worker = await RawWorker.ConnectAsync(engine, Ct);
        string id = await engine.StartInstanceAsync(new CreateInstanceRequest { InstanceId = "finishes", Name = "OneStep" }, Ct);
        var turn = await NextAsync(worker);
        await engine.CompleteOrchestratorAsync(Turns.Complete(turn.WorkflowRequest, "\"ok\"", turn.CompletionToken), Ct);
        engine.InstancesInMemory.ShouldBe(1);

        time.Advance(TimeSpan.FromSeconds(31));
        using var within = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        within.CancelAfter(TimeSpan.FromSeconds(10));
        while (engine.InstancesInMemory != 0)
        {
            await Task.Delay(10, within.Token);
        }

        (await engine.GetInstanceAsync(id, includePayloads: true, Ct)).WorkflowState.Output.ShouldBe("\"ok\"");
    }

    [Fact]
    public async Task Purge_by_filter_is_refused_as_daprd_refuses_it()
    {
        await using var engine = new WorkflowEngine(new InMemoryWorkflowStore());
        await engine.StartAsync(Ct);
        await using var worker = await RawWorker.ConnectAsync(engine, Ct);
        string id = await engine.StartInstanceAsync(new CreateInstanceRequest { InstanceId = "kept", Name = "OneStep" }, Ct);
        var turn = await NextAsync(worker);
        await engine.CompleteOrchestratorAsync(Turns.Complete(turn.WorkflowRequest, "\"ok\"", turn.CompletionToken), Ct);
        var filter = new PurgeInstancesRequest { PurgeInstanceFilter = new PurgeInstanceFilter() };
        filter.PurgeInstanceFilter.RuntimeStatus.Add(OrchestrationStatus.Completed);

        var refused = await Should.ThrowAsync<RpcException>(() => engine.PurgeAsync(filter, Ct));

        refused.StatusCode.ShouldBe(StatusCode.Unknown);
        (await engine.GetInstanceAsync(id, includePayloads: false, Ct)).Exists.ShouldBeTrue();
    }

    /// <summary>A real store with faults on demand: a save that commits and then reports failure, or saves of one instance that block.</summary>
    private sealed class FaultyStore(IWorkflowStore inner) : IWorkflowStore
    {
        private int _lostAcks;

        public Func<WorkflowRecord, bool>? LoseAckOfNext { get; set; }

        public int LostAcks => Volatile.Read(ref _lostAcks);

        public volatile string? BlockSavesOf;

        public TaskCompletionSource Blocked { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<WorkflowRecord?> LoadAsync(string instanceId, CancellationToken cancellationToken) => inner.LoadAsync(instanceId, cancellationToken);

        public async Task SaveAsync(WorkflowRecord record, CancellationToken cancellationToken)
        {
            if (record.InstanceId == BlockSavesOf)
            {
                Blocked.TrySetResult();
                await Release.Task.WaitAsync(cancellationToken);
            }

            await inner.SaveAsync(record, cancellationToken);
            if (LoseAckOfNext is { } lose && lose(record))
            {
                LoseAckOfNext = null;
                Interlocked.Increment(ref _lostAcks);
                throw new IOException("connection reset after the commit (simulated)");
            }
        }

        public Task<bool> DeleteAsync(string instanceId, CancellationToken cancellationToken) => inner.DeleteAsync(instanceId, cancellationToken);

        public Task<IReadOnlyList<string>> ListIdsAsync(string? after, int pageSize, CancellationToken cancellationToken) => inner.ListIdsAsync(after, pageSize, cancellationToken);

        public Task<IReadOnlyList<WorkflowRecord>> LoadActiveAsync(CancellationToken cancellationToken) => inner.LoadActiveAsync(cancellationToken);

        public Task<IReadOnlyList<string>> FindAsync(DateTimeOffset? createdFrom, DateTimeOffset? createdTo, IReadOnlyCollection<OrchestrationStatus> statuses, CancellationToken cancellationToken) =>
            inner.FindAsync(createdFrom, createdTo, statuses, cancellationToken);

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
