using Dapr.DurableTask.Protobuf;
using Dapr.Workflow;
using LedgerX.LocalDapr.Workflow;

namespace LedgerX.LocalDapr.Tests.Workflow;

/// <summary>
/// The store goes away for a while mid-workflow (a database outage): timers that fall due, activity results
/// and turns that cannot be saved are retried, not lost, and the workflows finish once the store is back.
/// </summary>
public sealed class WorkflowStoreOutageTests
{
    private static CancellationToken Ct => WorkflowTestTimeout.Token;

    [Fact]
    public async Task Workflows_caught_by_a_store_outage_finish_after_it_ends()
    {
        var store = new SwitchableStore(new InMemoryWorkflowStore());
        var probe = new WorkflowProbe();
        await using var engine = await WorkflowEngineHost.StartAsync(store);
        await using var app = await WorkflowApp.StartAsync(engine.Endpoint, o => TestWorkflows.Register(o, probe));
        string sleeper = await app.Client.ScheduleNewWorkflowAsync("SlowSequence", "outage-timer-" + Guid.NewGuid().ToString("N"), 300);
        string holder = await app.Client.ScheduleNewWorkflowAsync("HoldThenB", "outage-activity-" + Guid.NewGuid().ToString("N"), "o-");
        await WaitUntilAsync(() => probe.Hits($"Hold:{holder}") == 1 && probe.Hits($"A:{sleeper}") == 1);

        store.Down = true;
        probe.HoldRelease.SetResult();
        await Task.Delay(1000, Ct);
        store.Down = false;

        var slept = await app.Client.WaitForWorkflowCompletionAsync(sleeper, cancellation: Ct);
        var held = await app.Client.WaitForWorkflowCompletionAsync(holder, cancellation: Ct);
        slept.ReadOutputAs<string>().ShouldBe("AB");
        held.ReadOutputAs<string>().ShouldBe("o-HB");
        store.Refused.ShouldBeGreaterThan(0);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        while (!condition())
        {
            await Task.Delay(20, timeout.Token);
        }
    }

    /// <summary>Passes through to a real store, or fails every call while <see cref="Down"/>.</summary>
    private sealed class SwitchableStore(IWorkflowStore inner) : IWorkflowStore
    {
        private int _refused;

        public volatile bool Down;

        public int Refused => Volatile.Read(ref _refused);

        public Task<WorkflowRecord?> LoadAsync(string instanceId, CancellationToken cancellationToken) => Guard(() => inner.LoadAsync(instanceId, cancellationToken));

        public Task SaveAsync(WorkflowRecord record, CancellationToken cancellationToken) => Guard(async () =>
        {
            await inner.SaveAsync(record, cancellationToken);
            return true;
        });

        public Task<bool> DeleteAsync(string instanceId, CancellationToken cancellationToken) => Guard(() => inner.DeleteAsync(instanceId, cancellationToken));

        public Task<IReadOnlyList<string>> ListIdsAsync(string? after, int pageSize, CancellationToken cancellationToken) => Guard(() => inner.ListIdsAsync(after, pageSize, cancellationToken));

        public Task<IReadOnlyList<WorkflowRecord>> LoadActiveAsync(CancellationToken cancellationToken) => Guard(() => inner.LoadActiveAsync(cancellationToken));

        public Task<IReadOnlyList<string>> FindAsync(DateTimeOffset? createdFrom, DateTimeOffset? createdTo, IReadOnlyCollection<OrchestrationStatus> statuses, CancellationToken cancellationToken) =>
            Guard(() => inner.FindAsync(createdFrom, createdTo, statuses, cancellationToken));

        public ValueTask DisposeAsync() => inner.DisposeAsync();

        private Task<T> Guard<T>(Func<Task<T>> call)
        {
            if (Down)
            {
                Interlocked.Increment(ref _refused);
                return Task.FromException<T>(new IOException("store unavailable (simulated outage)"));
            }

            return call();
        }
    }
}
