using Dapr.DurableTask.Protobuf;
using LedgerX.LocalDapr.Workflow;

namespace LedgerX.LocalDapr.Tests.Workflow;

/// <summary>
/// Results are matched to their turn by instance id and to their activity by instance id + task id, as daprd
/// does, so SDKs that never echo the completion token (durabletask-js, Python, Go) run workflows; a token that
/// is given must still be the current one.
/// </summary>
public sealed class WorkflowCompletionTokenTests
{
    private static CancellationToken Ct => WorkflowTestTimeout.Token;

    [Fact]
    public async Task A_workflow_whose_worker_sends_no_completion_tokens_runs_to_completion()
    {
        await using var engine = new WorkflowEngine(new InMemoryWorkflowStore());
        await engine.StartAsync(Ct);
        await using var worker = await RawWorker.ConnectAsync(engine, Ct);
        string id = await engine.StartInstanceAsync(new CreateInstanceRequest { InstanceId = "no-token", Name = "OneStep", Input = "\"x\"" }, Ct);

        var first = await worker.NextAsync(Ct);
        await engine.CompleteOrchestratorAsync(Turns.ScheduleActivity(first.WorkflowRequest, 0, "A", "\"x\""), Ct);
        var activity = await worker.NextAsync(Ct);
        activity.ActivityRequest.TaskId.ShouldBe(0);
        await engine.CompleteActivityAsync(new ActivityResponse { InstanceId = id, TaskId = 0, Result = "\"xA\"" }, Ct);
        var second = await worker.NextAsync(Ct);
        Turns.ActivityResult(second.WorkflowRequest, 0).ShouldBe("\"xA\"");
        await engine.CompleteOrchestratorAsync(Turns.Complete(second.WorkflowRequest, "\"xA\""), Ct);

        var state = await engine.WaitForCompletionAsync(id, includePayloads: true, Ct);
        state.WorkflowState.WorkflowStatus.ShouldBe(OrchestrationStatus.Completed);
        state.WorkflowState.Output.ShouldBe("\"xA\"");
    }

    [Fact]
    public async Task An_activity_completed_without_a_token_is_not_handed_out_again_when_its_worker_leaves()
    {
        await using var engine = new WorkflowEngine(new InMemoryWorkflowStore());
        await engine.StartAsync(Ct);
        var worker = await RawWorker.ConnectAsync(engine, Ct);
        string id = await engine.StartInstanceAsync(new CreateInstanceRequest { InstanceId = "no-token-leave", Name = "OneStep" }, Ct);
        var first = await worker.NextAsync(Ct);
        await engine.CompleteOrchestratorAsync(Turns.ScheduleActivity(first.WorkflowRequest, 0, "A", null), Ct);
        await worker.NextAsync(Ct);
        await engine.CompleteActivityAsync(new ActivityResponse { InstanceId = id, TaskId = 0, Result = "\"done\"" }, Ct);
        var second = await worker.NextAsync(Ct);
        second.WorkflowRequest.ShouldNotBeNull();

        await worker.DisposeAsync();
        await using var next = await RawWorker.ConnectAsync(engine, Ct);

        // Only the unfinished turn comes back; the completed activity must not run a second time.
        var handedAgain = await next.NextAsync(Ct);
        handedAgain.RequestCase.ShouldBe(WorkItem.RequestOneofCase.WorkflowRequest);
        await engine.CompleteOrchestratorAsync(Turns.Complete(handedAgain.WorkflowRequest, "\"done\""), Ct);
        (await engine.WaitForCompletionAsync(id, includePayloads: true, Ct)).WorkflowState.Output.ShouldBe("\"done\"");
        next.TryNext(out var extra).ShouldBeFalse(extra?.ToString());
    }

    [Fact]
    public async Task A_result_with_a_stale_token_is_ignored()
    {
        await using var engine = new WorkflowEngine(new InMemoryWorkflowStore());
        await engine.StartAsync(Ct);
        await using var worker = await RawWorker.ConnectAsync(engine, Ct);
        string id = await engine.StartInstanceAsync(new CreateInstanceRequest { InstanceId = "stale-token", Name = "OneStep" }, Ct);
        var first = await worker.NextAsync(Ct);

        await engine.CompleteOrchestratorAsync(Turns.Complete(first.WorkflowRequest, "\"wrong\"", completionToken: "not-the-token"), Ct);
        (await engine.GetInstanceAsync(id, includePayloads: true, Ct)).WorkflowState.WorkflowStatus.ShouldBe(OrchestrationStatus.Pending);

        await engine.CompleteOrchestratorAsync(Turns.Complete(first.WorkflowRequest, "\"right\"", completionToken: first.CompletionToken), Ct);
        (await engine.WaitForCompletionAsync(id, includePayloads: true, Ct)).WorkflowState.Output.ShouldBe("\"right\"");
    }
}
