using Dapr.Workflow;

namespace LedgerX.LocalDapr.Tests.Workflow;

/// <summary>Starting, running and reading workflows through the real Dapr.Workflow SDK against the engine.</summary>
public sealed class WorkflowBasicsTests(InMemoryWorkflowEnvironment env) : IClassFixture<InMemoryWorkflowEnvironment>
{
    private static CancellationToken Ct => WorkflowTestTimeout.Token;

    private static string NewId() => Guid.NewGuid().ToString("N");

    [Fact]
    public async Task Three_sequential_activities_complete_with_the_chained_output()
    {
        string id = await env.Client.ScheduleNewWorkflowAsync("Sequential", NewId(), "x");

        var state = await env.Client.WaitForWorkflowCompletionAsync(id, cancellation: Ct);

        state.RuntimeStatus.ShouldBe(WorkflowRuntimeStatus.Completed);
        state.ReadOutputAs<string>().ShouldBe("xABC");
        state.ReadInputAs<string>().ShouldBe("x");
        state.WorkflowName.ShouldBe("Sequential");
        env.Probe.Hits($"A:{id}").ShouldBe(1);
        env.Probe.Hits($"C:{id}").ShouldBe(1);
    }

    [Fact]
    public async Task An_unknown_instance_does_not_exist()
    {
        var state = await env.Client.GetWorkflowStateAsync("no-such-" + NewId(), cancellation: Ct);

        state.Exists.ShouldBeFalse();
    }

    [Fact]
    public async Task A_scheduled_start_stays_pending_until_its_time()
    {
        var startAt = DateTimeOffset.UtcNow.AddSeconds(1);
        string id = await env.Client.ScheduleNewWorkflowAsync("Sequential", NewId(), "s", startAt, Ct);

        (await env.Client.GetWorkflowStateAsync(id, cancellation: Ct)).RuntimeStatus.ShouldBe(WorkflowRuntimeStatus.Pending);
        var state = await env.Client.WaitForWorkflowCompletionAsync(id, cancellation: Ct);

        state.ReadOutputAs<string>().ShouldBe("sABC");
        DateTimeOffset.UtcNow.ShouldBeGreaterThanOrEqualTo(startAt);
    }

    [Fact]
    public async Task An_activity_failure_fails_the_workflow_with_its_details()
    {
        string id = await env.Client.ScheduleNewWorkflowAsync("Failing", NewId(), "f");

        var state = await env.Client.WaitForWorkflowCompletionAsync(id, cancellation: Ct);

        state.RuntimeStatus.ShouldBe(WorkflowRuntimeStatus.Failed);
        state.FailureDetails.ShouldNotBeNull();
        state.FailureDetails.ErrorMessage.ShouldContain("boom: posting rejected");
        state.FailureDetails.ErrorType.ShouldNotBeNullOrEmpty();
    }

    [Fact]
    public async Task IsPatched_answers_the_same_when_the_turn_is_replayed()
    {
        string id = await env.Client.ScheduleNewWorkflowAsync("Patched", NewId(), "p");

        var state = await env.Client.WaitForWorkflowCompletionAsync(id, cancellation: Ct);

        state.ReadOutputAs<string>().ShouldBe("pAB:True");
    }

    [Fact]
    public async Task Continue_as_new_restarts_with_the_new_input_until_done()
    {
        string id = await env.Client.ScheduleNewWorkflowAsync("Counter", NewId(), 0);

        var state = await env.Client.WaitForWorkflowCompletionAsync(id, cancellation: Ct);

        state.RuntimeStatus.ShouldBe(WorkflowRuntimeStatus.Completed);
        state.ReadOutputAs<int>().ShouldBe(3);
        env.Probe.Hits($"A:{id}").ShouldBe(4);
        var history = await env.Client.GetInstanceHistoryAsync(id, Ct);
        history.Count(e => e.EventType == Dapr.Workflow.Client.WorkflowHistoryEventType.ExecutionStarted).ShouldBe(1);
    }

    [Fact]
    public async Task Fan_out_activities_all_report_back_to_the_workflow()
    {
        string id = await env.Client.ScheduleNewWorkflowAsync("FanOut", NewId(), 12);

        var state = await env.Client.WaitForWorkflowCompletionAsync(id, cancellation: Ct);

        state.ReadOutputAs<string>().ShouldBe(string.Join(",", Enumerable.Range(0, 12).Select(i => $"{i}:A")));
        env.Probe.Hits($"A:{id}").ShouldBe(12);
    }

    [Fact]
    public async Task A_failed_child_workflow_surfaces_as_a_task_failure_in_the_parent()
    {
        string id = await env.Client.ScheduleNewWorkflowAsync("ParentOfFailing", NewId(), "c");

        var state = await env.Client.WaitForWorkflowCompletionAsync(id, cancellation: Ct);

        state.RuntimeStatus.ShouldBe(WorkflowRuntimeStatus.Completed);
        state.ReadOutputAs<string>()!.ShouldStartWith("child failed:");
    }

    [Fact]
    public async Task A_workflow_can_raise_an_event_on_another_workflow()
    {
        string waiter = await env.Client.ScheduleNewWorkflowAsync("WaitForGo", NewId(), "got-");
        await env.Client.WaitForWorkflowStartAsync(waiter, cancellation: Ct);

        await env.Client.ScheduleNewWorkflowAsync("SendGo", NewId(), waiter);
        var state = await env.Client.WaitForWorkflowCompletionAsync(waiter, cancellation: Ct);

        state.ReadOutputAs<string>().ShouldBe("got-from-a-workflow");
    }
}
