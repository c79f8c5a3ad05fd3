using System.Text.Json;
using LedgerX.LocalDapr.Conformance.Tests.Harness;

namespace LedgerX.LocalDapr.Conformance.Tests.Workflows;

/// <summary>
/// Workflows written with @dapr/durabletask-js 1.0 (js/apps/workflows/app.js) against the local sidecar's engine:
/// activities, child workflows, external events raced against durable timers, terminate, suspend/resume, purge,
/// continue-as-new and failure details. Run once per backend by the sealed classes below.
/// </summary>
public abstract class WorkflowConformance(WorkflowAppFixture fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    protected JsAppRun App => fixture.App;

    private string NewId(string what) => $"{what}-{fixture.Backend}-{Guid.NewGuid():N}";

    [Fact]
    public async Task Activities_run_in_order_and_each_exactly_once()
    {
        string id = await StartAsync("sequence", "x", NewId("seq"));

        var state = await WaitForCompletionAsync(id);

        Status(state).ShouldBe("COMPLETED", App.Log);
        Output<string>(state).ShouldBe("xABC");
        (await HitsAsync($"append:{id}")).ShouldBe(3);
    }

    [Fact]
    public async Task A_child_workflow_result_reaches_its_parent()
    {
        string id = await StartAsync("parent", "c", NewId("parent"));

        var state = await WaitForCompletionAsync(id);

        Output<string>(state).ShouldBe("parent(cABC)", App.Log);
        Status(await App.CallAsync("/workflows/state", new { instanceId = id + "-child" }, Ct)).ShouldBe("COMPLETED");
    }

    [Fact]
    public async Task An_external_event_that_arrives_before_the_timer_wins()
    {
        string id = await StartAsync("approval", new { timeoutMs = 60_000 }, NewId("approve"));
        await App.CallAsync("/workflows/wait-start", new { instanceId = id }, Ct);

        await App.CallAsync("/workflows/raise", new { instanceId = id, name = "approval", data = "yes" }, Ct);
        var state = await WaitForCompletionAsync(id);

        Output<string>(state).ShouldBe("approved:yes", App.Log);
    }

    [Fact]
    public async Task A_durable_timer_ends_the_wait_when_no_event_comes()
    {
        string id = await StartAsync("approval", new { timeoutMs = 300 }, NewId("timeout"));

        var state = await WaitForCompletionAsync(id);

        Output<string>(state).ShouldBe("timed-out", App.Log);
    }

    [Fact]
    public async Task Terminate_ends_a_running_workflow_with_the_given_output()
    {
        string id = await StartAsync("waiter", "t-", NewId("term"));
        await App.CallAsync("/workflows/wait-start", new { instanceId = id }, Ct);

        await App.CallAsync("/workflows/terminate", new { instanceId = id, output = "stopped by operator" }, Ct);
        var state = await WaitForCompletionAsync(id);

        Status(state).ShouldBe("TERMINATED", App.Log);
        Output<string>(state).ShouldBe("stopped by operator");
    }

    [Fact]
    public async Task A_suspended_workflow_keeps_its_events_until_resumed()
    {
        string id = await StartAsync("waiter", "s-", NewId("suspend"));
        await App.CallAsync("/workflows/wait-start", new { instanceId = id }, Ct);

        await App.CallAsync("/workflows/suspend", new { instanceId = id }, Ct);
        await App.CallAsync("/workflows/raise", new { instanceId = id, name = "go", data = "resumed" }, Ct);
        await Task.Delay(300, Ct);
        Status(await App.CallAsync("/workflows/state", new { instanceId = id }, Ct)).ShouldBe("SUSPENDED", App.Log);

        await App.CallAsync("/workflows/resume", new { instanceId = id }, Ct);
        var state = await WaitForCompletionAsync(id);

        Output<string>(state).ShouldBe("s-resumed", App.Log);
    }

    [Fact]
    public async Task Purge_deletes_a_finished_workflow_and_refuses_a_running_one()
    {
        string done = await StartAsync("sequence", "p", NewId("purge"));
        await WaitForCompletionAsync(done);
        string running = await StartAsync("waiter", "r-", NewId("running"));
        await App.CallAsync("/workflows/wait-start", new { instanceId = running }, Ct);

        var purged = await App.CallAsync("/workflows/purge", new { instanceId = done }, Ct);
        var refused = await Should.ThrowAsync<ControlCallException>(() => App.CallAsync("/workflows/purge", new { instanceId = running }, Ct));

        purged.GetProperty("deleted").GetInt32().ShouldBe(1);
        (await App.CallAsync("/workflows/state", new { instanceId = done }, Ct)).GetProperty("exists").GetBoolean().ShouldBeFalse();
        refused.GrpcCode.ShouldNotBeNull(refused.Message);
        Status(await App.CallAsync("/workflows/state", new { instanceId = running }, Ct)).ShouldBe("RUNNING");
        await App.CallAsync("/workflows/terminate", new { instanceId = running, output = "cleanup" }, Ct);
    }

    [Fact]
    public async Task Continue_as_new_restarts_the_workflow_with_its_new_input()
    {
        string id = await StartAsync("counter", 0, NewId("counter"));

        var state = await WaitForCompletionAsync(id);

        Status(state).ShouldBe("COMPLETED", App.Log);
        Output<int>(state).ShouldBe(3);
        (await HitsAsync($"append:{id}")).ShouldBe(4);
    }

    [Fact]
    public async Task An_uncaught_activity_failure_fails_the_workflow_with_its_message()
    {
        string id = await StartAsync("failing", "f", NewId("fail"));

        var state = await WaitForCompletionAsync(id);

        Status(state).ShouldBe("FAILED", App.Log);
        // durabletask-js reports an orchestrator's own failure as the completion's result text, not as failure
        // details; either way the activity's message must reach the client.
        string reported = state.GetProperty("failure").ValueKind == JsonValueKind.Object
            ? state.GetProperty("failure").GetProperty("message").GetString()!
            : state.GetProperty("output").GetString()!;
        reported.ShouldContain("boom: posting rejected for f");
    }

    [Fact]
    public async Task An_activity_failure_reaches_the_workflow_code_that_catches_it()
    {
        string id = await StartAsync("catching", "g", NewId("catch"));

        var state = await WaitForCompletionAsync(id);

        Output<string>(state).ShouldNotBeNull(App.Log).ShouldContain("caught:");
        Output<string>(state)!.ShouldContain("boom: posting rejected for g");
    }

    protected async Task<string> StartAsync(string name, object? input, string instanceId) =>
        (await App.CallAsync("/workflows/start", new { name, input, instanceId }, Ct)).GetProperty("instanceId").GetString()!;

    protected Task<JsonElement> WaitForCompletionAsync(string instanceId, int timeoutSeconds = 30) =>
        App.CallAsync("/workflows/wait-completion", new { instanceId, timeoutSeconds }, Ct);

    protected async Task<int> HitsAsync(string key) => (await App.CallAsync("/workflows/hits", new { key }, Ct)).GetProperty("count").GetInt32();

    protected static string Status(JsonElement state) => state.GetProperty("status").GetString()!;

    protected static T? Output<T>(JsonElement state) =>
        state.GetProperty("output").GetString() is { } json ? JsonSerializer.Deserialize<T>(json) : default;
}

public sealed class WorkflowConformanceInMemory(WorkflowAppInMemory fixture) : WorkflowConformance(fixture), IClassFixture<WorkflowAppInMemory>;

public sealed class WorkflowConformancePostgresRedis(WorkflowAppPostgresRedis fixture) : WorkflowConformance(fixture), IClassFixture<WorkflowAppPostgresRedis>;
