using System.Diagnostics;
using Dapr.Workflow;
using LedgerX.LocalDapr.Hosting;

namespace LedgerX.LocalDapr.Tests.Workflow;

/// <summary>
/// A durable timer under clock skew (issue 19's chaos: the sidecar's clock minutes ahead of or behind the app's). The
/// SDK computes a timer's due time from the orchestration time the sidecar stamps (its clock, not the app's), and the
/// sidecar fires it by the same clock: the timer fires once, after its length, and the workflow ends terminal, not at
/// once (clock ahead) nor minutes late (clock behind). The reversal saga's approval wait is such a timer.
/// </summary>
public sealed class WorkflowClockSkewTests
{
    private const int TimerMs = 1500;

    private readonly WorkflowProbe _probe = new();

    private static CancellationToken Ct => WorkflowTestTimeout.Token;

    [Theory]
    [InlineData(10)]
    [InlineData(-10)]
    public async Task A_timer_fires_once_after_its_length_whatever_the_sidecars_clock_says(int skewMinutes)
    {
        await using var sidecar = await LocalDaprSidecar.StartAsync(new SidecarOptions
        {
            AppId = "skewed-" + Guid.NewGuid().ToString("N")[..8],
            WaitForApp = false,
            TimeProvider = new SkewedTimeProvider(TimeSpan.FromMinutes(skewMinutes)),
        }, Ct);
        await using var app = await WorkflowApp.StartAsync(sidecar.GrpcEndpoint, o => TestWorkflows.Register(o, _probe));

        var clock = Stopwatch.StartNew();
        string id = await app.Client.ScheduleNewWorkflowAsync("SlowSequence", Guid.NewGuid().ToString("N"), TimerMs);
        var state = await app.Client.WaitForWorkflowCompletionAsync(id, cancellation: Ct);

        // Not early: a due time taken from the app's clock would have fired at once with the sidecar ahead. (Not late
        // either: behind by ten minutes, the test's 60 s limit would have cut it off.)
        clock.Elapsed.ShouldBeGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(TimerMs));
        state.RuntimeStatus.ShouldBe(WorkflowRuntimeStatus.Completed);
        state.ReadOutputAs<string>().ShouldBe("AB");
        _probe.Hits($"A:{id}").ShouldBe(1);
        _probe.Hits($"B:{id}").ShouldBe(1, "the timer fired once");
    }
}
