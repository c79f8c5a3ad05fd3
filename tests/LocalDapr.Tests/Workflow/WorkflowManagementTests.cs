using Dapr.Workflow;
using Dapr.Workflow.Client;
using Grpc.Core;

namespace LedgerX.LocalDapr.Tests.Workflow;

/// <summary>Terminate (recursive), suspend/resume, purge, list and history, as the SDK documents them.</summary>
public sealed class WorkflowManagementTests(InMemoryWorkflowEnvironment env) : IClassFixture<InMemoryWorkflowEnvironment>
{
    private static CancellationToken Ct => WorkflowTestTimeout.Token;

    private static string NewId() => Guid.NewGuid().ToString("N");

    [Fact]
    public async Task Terminate_ends_the_workflow_and_its_child_workflows()
    {
        string id = await env.Client.ScheduleNewWorkflowAsync("ParentOfWaiter", NewId(), "t");
        await env.Client.WaitForWorkflowStartAsync(id + "-child", cancellation: Ct);

        await env.Client.TerminateWorkflowAsync(id, "stopped by operator", Ct);
        var parent = await env.Client.WaitForWorkflowCompletionAsync(id, cancellation: Ct);
        var child = await env.Client.WaitForWorkflowCompletionAsync(id + "-child", cancellation: Ct);

        parent.RuntimeStatus.ShouldBe(WorkflowRuntimeStatus.Terminated);
        parent.ReadOutputAs<string>().ShouldBe("stopped by operator");
        child.RuntimeStatus.ShouldBe(WorkflowRuntimeStatus.Terminated);
        await env.Client.RaiseEventAsync(id + "-child", "go", "late", Ct);
        (await env.Client.GetWorkflowStateAsync(id + "-child", cancellation: Ct)).RuntimeStatus.ShouldBe(WorkflowRuntimeStatus.Terminated);
    }

    [Fact]
    public async Task A_suspended_workflow_holds_its_events_until_resumed()
    {
        string id = await env.Client.ScheduleNewWorkflowAsync("WaitForGo", NewId(), "s-");
        await env.Client.WaitForWorkflowStartAsync(id, cancellation: Ct);

        await env.Client.SuspendWorkflowAsync(id, "audit", Ct);
        await env.Client.RaiseEventAsync(id, "go", "resumed", Ct);
        await Task.Delay(300, Ct);
        (await env.Client.GetWorkflowStateAsync(id, cancellation: Ct)).RuntimeStatus.ShouldBe(WorkflowRuntimeStatus.Suspended);

        await env.Client.ResumeWorkflowAsync(id, "audit done", Ct);
        var state = await env.Client.WaitForWorkflowCompletionAsync(id, cancellation: Ct);

        state.RuntimeStatus.ShouldBe(WorkflowRuntimeStatus.Completed);
        state.ReadOutputAs<string>().ShouldBe("s-resumed");
        var history = await env.Client.GetInstanceHistoryAsync(id, Ct);
        history.Select(e => e.EventType).ShouldContain(WorkflowHistoryEventType.ExecutionSuspended);
        history.Select(e => e.EventType).ShouldContain(WorkflowHistoryEventType.ExecutionResumed);
    }

    [Fact]
    public async Task History_lists_the_events_of_a_run_in_order()
    {
        string id = await env.Client.ScheduleNewWorkflowAsync("Sequential", NewId(), "h");
        await env.Client.WaitForWorkflowCompletionAsync(id, cancellation: Ct);

        var types = (await env.Client.GetInstanceHistoryAsync(id, Ct)).Select(e => e.EventType).ToList();

        types[0].ShouldBe(WorkflowHistoryEventType.OrchestratorStarted);
        types[1].ShouldBe(WorkflowHistoryEventType.ExecutionStarted);
        types.Count(t => t == WorkflowHistoryEventType.TaskScheduled).ShouldBe(3);
        types.Count(t => t == WorkflowHistoryEventType.TaskCompleted).ShouldBe(3);
        types[^1].ShouldBe(WorkflowHistoryEventType.ExecutionCompleted);
    }

    [Fact]
    public async Task List_pages_through_every_instance_id()
    {
        var ids = new List<string>();
        for (int i = 0; i < 5; i++)
        {
            ids.Add(await env.Client.ScheduleNewWorkflowAsync("Sequential", NewId(), "l"));
        }

        var listed = new List<string>();
        string? token = null;
        do
        {
            var page = await env.Client.ListInstanceIdsAsync(token, pageSize: 2, Ct);
            page.InstanceIds.Count.ShouldBeLessThanOrEqualTo(2);
            listed.AddRange(page.InstanceIds);
            token = page.ContinuationToken;
        }
        while (token is not null);

        listed.ShouldBeUnique();
        foreach (string id in ids)
        {
            listed.ShouldContain(id);
        }
    }

    [Fact]
    public async Task Purge_deletes_a_finished_workflow_and_refuses_a_running_one()
    {
        string done = await env.Client.ScheduleNewWorkflowAsync("Sequential", NewId(), "p");
        await env.Client.WaitForWorkflowCompletionAsync(done, cancellation: Ct);
        string running = await env.Client.ScheduleNewWorkflowAsync("WaitForGo", NewId(), "r");
        await env.Client.WaitForWorkflowStartAsync(running, cancellation: Ct);

        (await env.Client.PurgeInstanceAsync(done, Ct)).ShouldBeTrue();
        (await env.Client.GetWorkflowStateAsync(done, cancellation: Ct)).Exists.ShouldBeFalse();
        (await env.Client.PurgeInstanceAsync(done, Ct)).ShouldBeFalse();
        var refused = await Should.ThrowAsync<RpcException>(() => env.Client.PurgeInstanceAsync(running, Ct));
        refused.StatusCode.ShouldBe(StatusCode.FailedPrecondition);

        await env.Client.TerminateWorkflowAsync(running, cancellation: Ct);
        await env.Client.WaitForWorkflowCompletionAsync(running, cancellation: Ct);
        (await env.Client.PurgeInstanceAsync(running, Ct)).ShouldBeTrue();
    }

    [Fact]
    public async Task Raising_an_event_for_an_unknown_instance_is_not_found()
    {
        var error = await Should.ThrowAsync<RpcException>(() => env.Client.RaiseEventAsync("missing-" + NewId(), "go", "x", Ct));

        error.StatusCode.ShouldBe(StatusCode.NotFound);
    }

    [Fact]
    public async Task A_finished_instance_id_can_start_a_new_run_but_a_running_one_cannot()
    {
        string id = NewId();
        await env.Client.ScheduleNewWorkflowAsync("Sequential", id, "first-");
        await env.Client.WaitForWorkflowCompletionAsync(id, cancellation: Ct);

        await env.Client.ScheduleNewWorkflowAsync("WaitForGo", id, "second-");
        await env.Client.WaitForWorkflowStartAsync(id, cancellation: Ct);
        var duplicate = await Should.ThrowAsync<RpcException>(() => env.Client.ScheduleNewWorkflowAsync("Sequential", id, "third-"));
        await env.Client.RaiseEventAsync(id, "go", "run", Ct);
        var state = await env.Client.WaitForWorkflowCompletionAsync(id, cancellation: Ct);

        duplicate.StatusCode.ShouldBe(StatusCode.AlreadyExists);
        state.WorkflowName.ShouldBe("WaitForGo");
        state.ReadOutputAs<string>().ShouldBe("second-run");
    }
}
