using Dapr.DurableTask.Protobuf;
using Google.Protobuf.WellKnownTypes;
using LedgerX.Cli.Chaos;
using LedgerX.Cli.Chaos.Faults;
using LedgerX.LocalDapr.Workflow;

namespace LedgerX.Cli.Tests.Chaos;

/// <summary>The clock-skew scenario restarts the sidecar only once each saga's approval timer is in its saved history:
/// what counts as that timer, read from a workflow record as the store returns it.</summary>
public sealed class ApprovalTimerInTheWorkflowStore
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 22, 0, 0, TimeSpan.Zero);

    private static WorkflowRecord Record(IEnumerable<HistoryEvent> history, IEnumerable<HistoryEvent>? inbox = null) => new()
    {
        InstanceId = "reversal",
        State = new WorkflowState { InstanceId = "reversal", Name = "ReversalWorkflow", WorkflowStatus = OrchestrationStatus.Running },
        History = [new HistoryEvent { EventId = -1, Timestamp = Timestamp.FromDateTimeOffset(Now), ExecutionStarted = new ExecutionStartedEvent { Name = "ReversalWorkflow" } }, .. history],
        Inbox = [.. inbox ?? Enumerable.Empty<HistoryEvent>()],
        Revision = 3,
    };

    private static HistoryEvent TimerCreated(int id, TimeSpan fromNow) => new()
    {
        EventId = id,
        Timestamp = Timestamp.FromDateTimeOffset(Now),
        TimerCreated = new TimerCreatedEvent { FireAt = Timestamp.FromDateTimeOffset(Now + fromNow) },
    };

    private static HistoryEvent TimerFired(int id) => new()
    {
        EventId = -1,
        Timestamp = Timestamp.FromDateTimeOffset(Now),
        TimerFired = new TimerFiredEvent { TimerId = id, FireAt = Timestamp.FromDateTimeOffset(Now) },
    };

    private static HistoryEvent ActivityScheduled(int id) => new()
    {
        EventId = id,
        Timestamp = Timestamp.FromDateTimeOffset(Now),
        TaskScheduled = new TaskScheduledEvent { Name = "ReadApprovalDecisionActivity" },
    };

    [Fact]
    public void A_saga_still_running_its_activities_has_no_approval_timer_yet()
    {
        // awaiting_approval is already readable here: the step record and the decision read run before the wait.
        Assert.Null(WorkflowClockSkew.ApprovalTimer(Record([ActivityScheduled(0), ActivityScheduled(1)]), Now));
    }

    [Fact]
    public void The_pending_timer_of_the_approval_timeout_is_the_approval_timer()
    {
        var record = Record([ActivityScheduled(0), ActivityScheduled(1), TimerCreated(2, ChaosSystem.ApprovalTimeout)]);

        Assert.Equal((DateTimeOffset?)(Now + ChaosSystem.ApprovalTimeout), WorkflowClockSkew.ApprovalTimer(record, Now));
        Assert.True(WorkflowClockSkew.ApprovalTimer(record, Now) <= Now + WorkflowClockSkew.Skew, "the skew must pass the approval timer's due time");
    }

    [Fact]
    public void A_short_timer_is_an_activity_retry_not_the_approval_timer()
    {
        Assert.Null(WorkflowClockSkew.ApprovalTimer(Record([ActivityScheduled(0), TimerCreated(1, TimeSpan.FromSeconds(1))]), Now));
    }

    [Fact]
    public void A_timer_that_fired_is_not_pending_whether_the_firing_is_in_the_history_or_still_in_the_inbox()
    {
        Assert.Null(WorkflowClockSkew.ApprovalTimer(Record([TimerCreated(2, ChaosSystem.ApprovalTimeout), TimerFired(2)]), Now));
        Assert.Null(WorkflowClockSkew.ApprovalTimer(Record([TimerCreated(2, ChaosSystem.ApprovalTimeout)], [TimerFired(2)]), Now));
    }
}
