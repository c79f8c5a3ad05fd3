using Dapr.DurableTask.Protobuf;
using LedgerX.LocalDapr.Workflow;
using Microsoft.Extensions.Time.Testing;

namespace LedgerX.LocalDapr.Tests.Workflow;

/// <summary>
/// An activity result and the turn it triggers are saved in one write when the worker answers concurrently (issue 19),
/// and the result is acknowledged only once saved; a worker that waits for each acknowledgement is acknowledged at
/// once, and a turn that does not come back leaves the result to be saved on its own. Driven with a raw worker, so
/// which results are in flight at once is exact.
/// </summary>
public sealed class WorkflowResultSaveTests
{
    private static CancellationToken Ct => WorkflowTestTimeout.Token;

    private static Task<WorkItem> NextAsync(RawWorker worker) => worker.NextSoonAsync(Ct);

    [Fact]
    public async Task A_concurrent_workers_activity_result_is_saved_with_its_turn_and_acknowledged_after_that_save()
    {
        var store = new RecordingStore(new InMemoryWorkflowStore());
        await using var engine = new WorkflowEngine(store) { ResultSaveWindow = TimeSpan.FromMinutes(10) };
        await engine.StartAsync(Ct);
        await using var worker = await RawWorker.ConnectAsync(engine, Ct);
        string id = await ConcurrentWorkerWithSecondActivityOutAsync(engine, worker, store);
        var activity = await NextAsync(worker);
        int savesBefore = store.Saves;

        var ack = engine.CompleteActivityAsync(new ActivityResponse { InstanceId = id, TaskId = 1, Result = "\"b\"", CompletionToken = activity.CompletionToken }, Ct);
        var turn = await NextAsync(worker);

        Turns.ActivityResult(turn.WorkflowRequest, 1).ShouldBe("\"b\"");
        ack.IsCompleted.ShouldBeFalse("the result is not saved yet, so it must not be acknowledged");
        store.Saves.ShouldBe(savesBefore, "the result waits for its turn's save");
        await engine.CompleteOrchestratorAsync(Turns.Complete(turn.WorkflowRequest, "\"done\"", turn.CompletionToken), Ct);
        await ack.WaitAsync(Ct);
        store.Saves.ShouldBe(savesBefore + 1, "one write for the result and the turn");
        var saved = (await store.LoadAsync(id, Ct))!;
        saved.History.ShouldContain(e => e.TaskCompleted != null && e.TaskCompleted.TaskScheduledId == 1);
        saved.Inbox.ShouldBeEmpty();
        saved.State.WorkflowStatus.ShouldBe(OrchestrationStatus.Completed);
    }

    [Fact]
    public async Task A_result_whose_turn_does_not_come_back_is_saved_on_its_own_after_the_window()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var store = new RecordingStore(new InMemoryWorkflowStore());
        await using var engine = new WorkflowEngine(store, time) { ResultSaveWindow = TimeSpan.FromSeconds(1), TurnLease = TimeSpan.FromHours(1) };
        await engine.StartAsync(Ct);
        await using var worker = await RawWorker.ConnectAsync(engine, Ct);
        string id = await ConcurrentWorkerWithSecondActivityOutAsync(engine, worker, store);
        var activity = await NextAsync(worker);

        var ack = engine.CompleteActivityAsync(new ActivityResponse { InstanceId = id, TaskId = 1, Result = "\"b\"", CompletionToken = activity.CompletionToken }, Ct);
        var turn = await NextAsync(worker);
        ack.IsCompleted.ShouldBeFalse();
        time.Advance(TimeSpan.FromSeconds(2));
        await ack.WaitAsync(Ct);

        var saved = (await store.LoadAsync(id, Ct))!;
        saved.Inbox.ShouldContain(e => e.TaskCompleted != null && e.TaskCompleted.TaskScheduledId == 1);
        await engine.CompleteOrchestratorAsync(Turns.Complete(turn.WorkflowRequest, "\"done\"", turn.CompletionToken), Ct);
        (await engine.WaitForCompletionAsync(id, includePayloads: true, Ct)).WorkflowState.Output.ShouldBe("\"done\"");
    }

    [Fact]
    public async Task A_worker_that_waits_for_each_acknowledgement_is_acknowledged_before_it_answers_the_turn()
    {
        var store = new RecordingStore(new InMemoryWorkflowStore());
        await using var engine = new WorkflowEngine(store) { ResultSaveWindow = TimeSpan.FromMinutes(10) };
        await engine.StartAsync(Ct);
        await using var worker = await RawWorker.ConnectAsync(engine, Ct);
        string id = await engine.StartInstanceAsync(new CreateInstanceRequest { InstanceId = "sequential", Name = "TwoSteps" }, Ct);
        var first = await NextAsync(worker);
        await engine.CompleteOrchestratorAsync(Turns.ScheduleActivity(first.WorkflowRequest, 0, "A", "\"x\"", first.CompletionToken), Ct);
        var activity = await NextAsync(worker);

        // One result at a time, as a sequential SDK sends them: with a ten-minute window, waiting for the turn would hang here.
        await engine.CompleteActivityAsync(new ActivityResponse { InstanceId = id, TaskId = 0, Result = "\"a\"", CompletionToken = activity.CompletionToken }, Ct).WaitAsync(TimeSpan.FromSeconds(10), Ct);

        (await store.LoadAsync(id, Ct))!.Inbox.ShouldContain(e => e.TaskCompleted != null && e.TaskCompleted.TaskScheduledId == 0);
        var turn = await NextAsync(worker);
        Turns.ActivityResult(turn.WorkflowRequest, 0).ShouldBe("\"a\"");
    }

    /// <summary>
    /// Starts a two-activity instance and shows the worker to be concurrent: it answers the turn that the first result
    /// triggered while that result's save (held back here) is still in progress. Leaves the second activity handed out.
    /// </summary>
    private static async Task<string> ConcurrentWorkerWithSecondActivityOutAsync(WorkflowEngine engine, RawWorker worker, RecordingStore store)
    {
        string id = await engine.StartInstanceAsync(new CreateInstanceRequest { InstanceId = "two-steps", Name = "TwoSteps" }, Ct);
        var first = await NextAsync(worker);
        await engine.CompleteOrchestratorAsync(Turns.ScheduleActivity(first.WorkflowRequest, 0, "A", "\"x\"", first.CompletionToken), Ct);
        var activity = await NextAsync(worker);

        store.HoldNextSave();
        var ack = engine.CompleteActivityAsync(new ActivityResponse { InstanceId = id, TaskId = 0, Result = "\"a\"", CompletionToken = activity.CompletionToken }, Ct);
        await store.Held.Task.WaitAsync(Ct);
        var second = await NextAsync(worker);
        var answer = engine.CompleteOrchestratorAsync(Turns.ScheduleActivity(second.WorkflowRequest, 1, "B", "\"a\"", second.CompletionToken), Ct);
        store.ReleaseHeld();
        await ack.WaitAsync(Ct);
        await answer.WaitAsync(Ct);
        return id;
    }

    /// <summary>Counts saves; can hold one save until released.</summary>
    private sealed class RecordingStore(IWorkflowStore inner) : IWorkflowStore
    {
        private int _saves;
        private TaskCompletionSource? _holdNext;
        private TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Saves => Volatile.Read(ref _saves);

        public TaskCompletionSource Held { get; private set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void HoldNextSave()
        {
            Held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _holdNext = _release;
        }

        public void ReleaseHeld() => _release.TrySetResult();

        public Task<WorkflowRecord?> LoadAsync(string instanceId, CancellationToken cancellationToken) => inner.LoadAsync(instanceId, cancellationToken);

        public async Task SaveAsync(WorkflowRecord record, CancellationToken cancellationToken)
        {
            if (Interlocked.Exchange(ref _holdNext, null) is { } release)
            {
                Held.TrySetResult();
                await release.Task.WaitAsync(cancellationToken);
            }

            await inner.SaveAsync(record, cancellationToken);
            Interlocked.Increment(ref _saves);
        }

        public Task<bool> DeleteAsync(string instanceId, CancellationToken cancellationToken) => inner.DeleteAsync(instanceId, cancellationToken);

        public Task<IReadOnlyList<string>> ListIdsAsync(string? after, int pageSize, CancellationToken cancellationToken) => inner.ListIdsAsync(after, pageSize, cancellationToken);

        public Task<IReadOnlyList<WorkflowRecord>> LoadActiveAsync(CancellationToken cancellationToken) => inner.LoadActiveAsync(cancellationToken);

        public Task<IReadOnlyList<string>> FindAsync(DateTimeOffset? createdFrom, DateTimeOffset? createdTo, IReadOnlyCollection<OrchestrationStatus> statuses, CancellationToken cancellationToken) =>
            inner.FindAsync(createdFrom, createdTo, statuses, cancellationToken);

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
