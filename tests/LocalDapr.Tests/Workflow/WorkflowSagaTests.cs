using Dapr.Workflow;

namespace LedgerX.LocalDapr.Tests.Workflow;

/// <summary>
/// The reversal saga's shape end to end: a retried activity (SDK retry policy over durable timers), a timer,
/// an approval event with a timeout, a child workflow, custom status and the compensation path.
/// </summary>
public sealed class WorkflowSagaTests(InMemoryWorkflowEnvironment env) : IClassFixture<InMemoryWorkflowEnvironment>
{
    private static CancellationToken Ct => WorkflowTestTimeout.Token;

    [Fact]
    public async Task Approved_saga_retries_validation_waits_and_posts_through_a_child_workflow()
    {
        string id = await env.Client.ScheduleNewWorkflowAsync("Saga", Guid.NewGuid().ToString("N"), new SagaInput("acc-1", 10_000));
        await WaitForCustomStatusAsync(id, "awaiting-approval");

        await env.Client.RaiseEventAsync(id, "approval", "approved", Ct);
        var state = await env.Client.WaitForWorkflowCompletionAsync(id, cancellation: Ct);

        state.RuntimeStatus.ShouldBe(WorkflowRuntimeStatus.Completed);
        state.ReadOutputAs<string>().ShouldBe("done:validated-acc-1-after-3:ABC");
        state.ReadCustomStatusAs<string>().ShouldBe("done");
        env.Probe.Hits($"Flaky:{id}").ShouldBe(3);
        env.Probe.Hits($"Compensate:{id}").ShouldBe(0);
        var child = await env.Client.GetWorkflowStateAsync(id + "-post", cancellation: Ct);
        child.RuntimeStatus.ShouldBe(WorkflowRuntimeStatus.Completed);
        child.ReadOutputAs<string>().ShouldBe("validated-acc-1-after-3:ABC");
    }

    [Fact]
    public async Task An_event_raised_before_the_workflow_waits_for_it_is_kept_for_the_wait()
    {
        string id = await env.Client.ScheduleNewWorkflowAsync("Saga", Guid.NewGuid().ToString("N"), new SagaInput("acc-2", 10_000));

        // Raised while the saga is still retrying its validation, long before WaitForExternalEvent runs.
        await env.Client.RaiseEventAsync(id, "approval", "approved", Ct);
        var state = await env.Client.WaitForWorkflowCompletionAsync(id, cancellation: Ct);

        state.ReadOutputAs<string>().ShouldBe("done:validated-acc-2-after-3:ABC");
    }

    [Fact]
    public async Task Without_approval_the_wait_times_out_and_the_saga_compensates()
    {
        string id = await env.Client.ScheduleNewWorkflowAsync("Saga", Guid.NewGuid().ToString("N"), new SagaInput("acc-3", 500));

        var state = await env.Client.WaitForWorkflowCompletionAsync(id, cancellation: Ct);

        state.RuntimeStatus.ShouldBe(WorkflowRuntimeStatus.Completed);
        state.ReadOutputAs<string>().ShouldBe("compensated:timeout:voided");
        state.ReadCustomStatusAs<string>().ShouldBe("compensating");
        env.Probe.Hits($"Compensate:{id}").ShouldBe(1);
        (await env.Client.GetWorkflowStateAsync(id + "-post", cancellation: Ct)).Exists.ShouldBeFalse();
    }

    [Fact]
    public async Task A_rejection_compensates_instead_of_posting()
    {
        string id = await env.Client.ScheduleNewWorkflowAsync("Saga", Guid.NewGuid().ToString("N"), new SagaInput("acc-4", 10_000));
        await WaitForCustomStatusAsync(id, "awaiting-approval");

        await env.Client.RaiseEventAsync(id, "approval", "rejected", Ct);
        var state = await env.Client.WaitForWorkflowCompletionAsync(id, cancellation: Ct);

        state.ReadOutputAs<string>().ShouldBe("compensated:rejected:voided");
    }

    private async Task WaitForCustomStatusAsync(string id, string expected)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        while ((await env.Client.GetWorkflowStateAsync(id, cancellation: timeout.Token)).ReadCustomStatusAs<string>() != expected)
        {
            await Task.Delay(50, timeout.Token);
        }
    }
}
