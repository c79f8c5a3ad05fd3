using Dapr.Workflow;
using LedgerX.LocalDapr.Workflow;
using LedgerX.Testing;

namespace LedgerX.LocalDapr.Tests.Workflow;

/// <summary>
/// Workflow state in PostgreSQL: an app killed mid-workflow resumes from history in its replacement, a
/// restarted engine (sidecar) resumes pending timers and waits, and two app replicas share the work without
/// ever running one instance twice at the same time.
/// </summary>
public sealed class WorkflowDurabilityTests : IAsyncLifetime
{
    private readonly WorkflowProbe _probe = new();
    private string _database = "";

    private static CancellationToken Ct => WorkflowTestTimeout.Token;

    public async ValueTask InitializeAsync() => _database = await TestPostgres.CreateDatabaseAsync("wf", Ct);

    public async ValueTask DisposeAsync() => await TestPostgres.DropDatabaseAsync(_database);

    [Fact]
    public async Task A_workflow_resumes_from_history_in_a_new_app_after_the_old_one_is_killed()
    {
        await using var store = await PostgresWorkflowStore.OpenAsync(_database, "ledger-app", Ct);
        await using var engine = await WorkflowEngineHost.StartAsync(store);
        var first = await WorkflowApp.StartAsync(engine.Endpoint, o => TestWorkflows.Register(o, _probe, "first"));
        // The timer outlasts the kill by a wide margin, so B can only run in the second app.
        string id = await first.Client.ScheduleNewWorkflowAsync("SlowSequence", Guid.NewGuid().ToString("N"), 3000);
        await WaitForCustomStatusAsync(first.Client, id, "sleeping");

        await first.DisposeAsync();
        await using var second = await WorkflowApp.StartAsync(engine.Endpoint, o => TestWorkflows.Register(o, _probe, "second"));
        var state = await second.Client.WaitForWorkflowCompletionAsync(id, cancellation: Ct);

        state.RuntimeStatus.ShouldBe(WorkflowRuntimeStatus.Completed);
        state.ReadOutputAs<string>().ShouldBe("AB");
        _probe.Hits($"A:{id}").ShouldBe(1);
        _probe.Hits($"B:{id}").ShouldBe(1);
        _probe.ActivitiesByWorker.GetValueOrDefault("second").ShouldBe(1);
    }

    [Fact]
    public async Task An_activity_running_in_a_killed_app_is_run_again_by_the_next_app()
    {
        await using var store = await PostgresWorkflowStore.OpenAsync(_database, "ledger-app", Ct);
        await using var engine = await WorkflowEngineHost.StartAsync(store);
        var first = await WorkflowApp.StartAsync(engine.Endpoint, o => TestWorkflows.Register(o, _probe, "first"));
        string id = await first.Client.ScheduleNewWorkflowAsync("HoldThenB", Guid.NewGuid().ToString("N"), "k-");
        await WaitUntilAsync(() => _probe.Hits("Hold@first") == 1);

        await first.DisposeAsync();
        await using var second = await WorkflowApp.StartAsync(engine.Endpoint, o => TestWorkflows.Register(o, _probe, "second"));
        await WaitUntilAsync(() => _probe.Hits("Hold@second") == 1);
        _probe.HoldRelease.SetResult();
        var state = await second.Client.WaitForWorkflowCompletionAsync(id, cancellation: Ct);

        state.ReadOutputAs<string>().ShouldBe("k-HB");
        _probe.Hits($"B:{id}").ShouldBe(1);
    }

    [Fact]
    public async Task A_restarted_engine_resumes_pending_timers_activities_and_waits_from_the_database()
    {
        var engine = await WorkflowEngineHost.StartAsync(await PostgresWorkflowStore.OpenAsync(_database, "ledger-app", Ct));
        int port = engine.Port;
        await using var app = await WorkflowApp.StartAsync(engine.Endpoint, o => TestWorkflows.Register(o, _probe));
        string sleeper = await app.Client.ScheduleNewWorkflowAsync("SlowSequence", Guid.NewGuid().ToString("N"), 1500);
        string waiter = await app.Client.ScheduleNewWorkflowAsync("WaitForGo", Guid.NewGuid().ToString("N"), "w-");
        string holder = await app.Client.ScheduleNewWorkflowAsync("HoldThenB", Guid.NewGuid().ToString("N"), "h-");
        await WaitForCustomStatusAsync(app.Client, sleeper, "sleeping");
        await app.Client.WaitForWorkflowStartAsync(waiter, cancellation: Ct);
        await WaitUntilAsync(() => _probe.Hits($"Hold:{holder}") == 1);

        await engine.DisposeAsync();
        await using var restartedStore = await PostgresWorkflowStore.OpenAsync(_database, "ledger-app", Ct);
        await using var restarted = await WorkflowEngineHost.StartAsync(restartedStore, port);
        await app.Client.RaiseEventAsync(waiter, "go", "after-restart", Ct);
        await WaitUntilAsync(() => _probe.Hits($"Hold:{holder}") == 2, TimeSpan.FromSeconds(20));
        _probe.HoldRelease.SetResult();
        var held = await app.Client.WaitForWorkflowCompletionAsync(holder, cancellation: Ct);
        var slept = await app.Client.WaitForWorkflowCompletionAsync(sleeper, cancellation: Ct);
        var waited = await app.Client.WaitForWorkflowCompletionAsync(waiter, cancellation: Ct);

        slept.ReadOutputAs<string>().ShouldBe("AB");
        waited.ReadOutputAs<string>().ShouldBe("w-after-restart");
        held.ReadOutputAs<string>().ShouldBe("h-HB");
        _probe.Hits($"A:{sleeper}").ShouldBe(1);
    }

    [Fact]
    public async Task The_saga_survives_an_app_kill_and_a_sidecar_restart_while_it_waits_for_approval()
    {
        var engine = await WorkflowEngineHost.StartAsync(await PostgresWorkflowStore.OpenAsync(_database, "ledger-app", Ct));
        int port = engine.Port;
        var first = await WorkflowApp.StartAsync(engine.Endpoint, o => TestWorkflows.Register(o, _probe, "first"));
        string id = await first.Client.ScheduleNewWorkflowAsync("Saga", Guid.NewGuid().ToString("N"), new SagaInput("acc-9", 60_000));
        await WaitForCustomStatusAsync(first.Client, id, "awaiting-approval");

        await first.DisposeAsync();
        await engine.DisposeAsync();
        await using var restartedStore = await PostgresWorkflowStore.OpenAsync(_database, "ledger-app", Ct);
        await using var restarted = await WorkflowEngineHost.StartAsync(restartedStore, port);
        await using var second = await WorkflowApp.StartAsync(restarted.Endpoint, o => TestWorkflows.Register(o, _probe, "second"));
        await second.Client.RaiseEventAsync(id, "approval", "approved", Ct);
        var state = await second.Client.WaitForWorkflowCompletionAsync(id, cancellation: Ct);

        state.ReadOutputAs<string>().ShouldBe("done:validated-acc-9-after-3:ABC");
        _probe.Hits($"Flaky:{id}").ShouldBe(3);
        _probe.Hits($"A:{id}-post").ShouldBe(1);
        _probe.ActivitiesByWorker.GetValueOrDefault("second").ShouldBe(3);
    }

    [Fact]
    public async Task Two_app_replicas_share_the_work_and_never_run_one_instance_twice_at_once()
    {
        await using var store = await PostgresWorkflowStore.OpenAsync(_database, "ledger-app", Ct);
        await using var engine = await WorkflowEngineHost.StartAsync(store);
        await using var one = await WorkflowApp.StartAsync(engine.Endpoint, o => TestWorkflows.Register(o, _probe, "one"));
        await using var two = await WorkflowApp.StartAsync(engine.Endpoint, o => TestWorkflows.Register(o, _probe, "two"));
        await WaitUntilAsync(() => engine.Engine.ConnectedWorkers == 2);

        var ids = new List<string>();
        for (int i = 0; i < 20; i++)
        {
            ids.Add(await one.Client.ScheduleNewWorkflowAsync("Sequential", $"replica-{i}-{Guid.NewGuid():N}", $"{i}:"));
        }

        var states = await Task.WhenAll(ids.Select(id => two.Client.WaitForWorkflowCompletionAsync(id, cancellation: Ct)));

        for (int i = 0; i < ids.Count; i++)
        {
            states[i].ReadOutputAs<string>().ShouldBe($"{i}:ABC");
            _probe.Hits($"A:{ids[i]}").ShouldBe(1);
            _probe.Hits($"B:{ids[i]}").ShouldBe(1);
            _probe.Hits($"C:{ids[i]}").ShouldBe(1);
        }

        _probe.Overlaps.ShouldBe(0);
        _probe.ActivitiesByWorker.GetValueOrDefault("one").ShouldBeGreaterThan(0);
        _probe.ActivitiesByWorker.GetValueOrDefault("two").ShouldBeGreaterThan(0);
    }

    private static async Task WaitForCustomStatusAsync(DaprWorkflowClient client, string id, string expected)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        while ((await client.GetWorkflowStateAsync(id, cancellation: timeout.Token)).ReadCustomStatusAs<string>() != expected)
        {
            await Task.Delay(50, timeout.Token);
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition, TimeSpan? within = null)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(within ?? TimeSpan.FromSeconds(10));
        while (!condition())
        {
            await Task.Delay(20, timeout.Token);
        }
    }
}
