using Dapr.DurableTask.Protobuf;
using Google.Protobuf.WellKnownTypes;
using LedgerX.LocalDapr.Workflow;

namespace LedgerX.LocalDapr.Tests.Workflow;

/// <summary>The pure turn applier: (record, dispatched events, orchestrator response) → (next record, effects).</summary>
public sealed class TurnApplierTests
{
    private static readonly Timestamp Now = Timestamp.FromDateTimeOffset(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero));

    private static WorkflowRecord Pending(string id = "wf", ParentInstanceInfo? parent = null)
    {
        var started = new ExecutionStartedEvent { Name = "Saga", Input = "\"in\"", WorkflowInstance = new WorkflowInstance { InstanceId = id, ExecutionId = "exec-1" }, ParentInstance = parent };
        return new WorkflowRecord
        {
            InstanceId = id,
            State = new WorkflowState { InstanceId = id, Name = "Saga", WorkflowStatus = OrchestrationStatus.Pending, ExecutionId = "exec-1" },
            Inbox = [new HistoryEvent { EventId = -1, Timestamp = Now, ExecutionStarted = started }],
            Revision = 1,
        };
    }

    private static TurnInput FirstTurn(WorkflowRecord record) =>
        new([new HistoryEvent { EventId = -1, Timestamp = Now, WorkflowStarted = new WorkflowStartedEvent() }, .. record.Inbox.Select(e => e.Clone())], record.Inbox.Count);

    private static WorkflowResponse Respond(params WorkflowAction[] actions)
    {
        var response = new WorkflowResponse { InstanceId = "wf" };
        response.Actions.AddRange(actions);
        return response;
    }

    private static TurnOutcome Apply(WorkflowRecord record, TurnInput turn, WorkflowResponse response) =>
        TurnApplier.Apply(record, turn, response, Now, () => "exec-2");

    [Fact]
    public void A_scheduled_activity_is_recorded_with_the_action_id_and_queued_as_an_effect()
    {
        var record = Pending();

        var outcome = Apply(record, FirstTurn(record), Respond(new WorkflowAction { Id = 0, ScheduleTask = new ScheduleTaskAction { Name = "Hold", Input = "\"x\"" } }));

        outcome.Next.State.WorkflowStatus.ShouldBe(OrchestrationStatus.Running);
        outcome.Next.Inbox.ShouldBeEmpty();
        outcome.Next.History.Select(e => e.EventTypeCase).ShouldBe([HistoryEvent.EventTypeOneofCase.WorkflowStarted, HistoryEvent.EventTypeOneofCase.ExecutionStarted, HistoryEvent.EventTypeOneofCase.TaskScheduled]);
        outcome.Next.History[2].EventId.ShouldBe(0);
        var effect = outcome.Effects.ShouldHaveSingleItem().ShouldBeOfType<ScheduleActivity>();
        effect.Request.Name.ShouldBe("Hold");
        effect.Request.TaskId.ShouldBe(0);
        effect.Request.WorkflowInstance.ExecutionId.ShouldBe("exec-1");
        record.History.ShouldBeEmpty("the applier never changes its input");
    }

    /// <summary>As durabletask-go: the context of the request that started the workflow goes on TaskScheduled (so recovery
    /// keeps it) and to the worker in the ActivityRequest, so the activity's work joins that request's trace.</summary>
    [Fact]
    public void A_scheduled_activity_carries_the_trace_context_of_the_request_that_started_the_workflow()
    {
        var record = Pending();
        var context = new TraceContext { TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", TraceState = "congo=t61rcWkgMzE" };
        record.Inbox[0].ExecutionStarted.ParentTraceContext = context;

        var outcome = Apply(record, FirstTurn(record), Respond(new WorkflowAction { Id = 0, ScheduleTask = new ScheduleTaskAction { Name = "Hold" } }));

        var effect = outcome.Effects.ShouldHaveSingleItem().ShouldBeOfType<ScheduleActivity>();
        effect.Request.ParentTraceContext.ShouldBe(context);
        outcome.Next.History.Single(e => e.TaskScheduled is not null).TaskScheduled.ParentTraceContext.ShouldBe(context);
    }

    [Fact]
    public void Events_that_arrived_during_the_turn_stay_in_the_inbox_for_the_next_one()
    {
        var record = Pending();
        var turn = FirstTurn(record);
        record.Inbox.Add(new HistoryEvent { EventId = -1, Timestamp = Now, EventRaised = new EventRaisedEvent { Name = "approval" } });

        var outcome = Apply(record, turn, Respond());

        outcome.Next.Inbox.ShouldHaveSingleItem().EventRaised.Name.ShouldBe("approval");
    }

    [Fact]
    public void A_wait_forever_timer_is_recorded_but_never_armed()
    {
        var record = Pending();
        var forever = Timestamp.FromDateTimeOffset(new DateTimeOffset(9999, 12, 31, 0, 0, 0, TimeSpan.Zero));

        var outcome = Apply(record, FirstTurn(record), Respond(
            new WorkflowAction { Id = 1, CreateTimer = new CreateTimerAction { FireAt = forever } },
            new WorkflowAction { Id = 2, CreateTimer = new CreateTimerAction { FireAt = Now } }));

        outcome.Next.History.Count(e => e.TimerCreated is not null).ShouldBe(2);
        outcome.Effects.ShouldHaveSingleItem().ShouldBeOfType<ScheduleTimer>().TimerId.ShouldBe(2);
    }

    [Fact]
    public void Completing_a_child_finishes_it_clears_its_inbox_and_owes_the_parent_the_result()
    {
        var parent = new ParentInstanceInfo { TaskScheduledId = 7, WorkflowInstance = new WorkflowInstance { InstanceId = "parent", ExecutionId = "p-exec" } };
        var record = Pending(parent: parent);
        var turn = FirstTurn(record);
        record.Inbox.Add(new HistoryEvent { EventId = -1, Timestamp = Now, EventRaised = new EventRaisedEvent { Name = "late" } });

        var outcome = Apply(record, turn, Respond(new WorkflowAction { Id = 3, CompleteWorkflow = new CompleteWorkflowAction { WorkflowStatus = OrchestrationStatus.Completed, Result = "\"done\"" } }));

        outcome.Next.State.WorkflowStatus.ShouldBe(OrchestrationStatus.Completed);
        outcome.Next.State.Output.ShouldBe("\"done\"");
        outcome.Next.State.CompletedTimestamp.ShouldBe(Now);
        outcome.Next.Inbox.ShouldBeEmpty();
        var notice = outcome.Effects.ShouldHaveSingleItem().ShouldBeOfType<NotifyParent>();
        notice.ParentId.ShouldBe("parent");
        notice.ParentExecutionId.ShouldBe("p-exec");
        notice.Result.ChildWorkflowInstanceCompleted.TaskScheduledId.ShouldBe(7);
        notice.Result.ChildWorkflowInstanceCompleted.Result.ShouldBe("\"done\"");
    }

    [Fact]
    public void Continue_as_new_starts_a_new_run_with_the_new_input_and_carries_raised_events_over()
    {
        var record = Pending();
        var turn = FirstTurn(record);
        record.Inbox.Add(new HistoryEvent { EventId = -1, Timestamp = Now, EventRaised = new EventRaisedEvent { Name = "next" } });
        record.Inbox.Add(new HistoryEvent { EventId = -1, Timestamp = Now, TimerFired = new TimerFiredEvent { TimerId = 1 } });

        var outcome = Apply(record, turn, Respond(new WorkflowAction { Id = 0, CompleteWorkflow = new CompleteWorkflowAction { WorkflowStatus = OrchestrationStatus.ContinuedAsNew, Result = "5" } }));

        outcome.Next.History.ShouldBeEmpty();
        outcome.Next.State.WorkflowStatus.ShouldBe(OrchestrationStatus.Running);
        outcome.Next.State.Input.ShouldBe("5");
        outcome.Next.State.ExecutionId.ShouldBe("exec-2");
        outcome.Next.Inbox.Select(e => e.EventTypeCase).ShouldBe([HistoryEvent.EventTypeOneofCase.ExecutionStarted, HistoryEvent.EventTypeOneofCase.EventRaised]);
        outcome.Next.Inbox[0].ExecutionStarted.WorkflowInstance.ExecutionId.ShouldBe("exec-2");
        outcome.Next.Inbox[0].ExecutionStarted.Input.ShouldBe("5");
        outcome.Effects.ShouldBeEmpty();
    }

    [Fact]
    public void Patches_the_sdk_evaluated_are_recorded_on_the_turns_started_event()
    {
        var record = Pending();
        var response = Respond();
        response.Version = new WorkflowVersion();
        response.Version.Patches.Add("fee-v2");

        var outcome = Apply(record, FirstTurn(record), response);

        outcome.Next.History[0].WorkflowStarted.Version.Patches.ShouldBe(["fee-v2"]);
    }

    [Fact]
    public void Terminating_recursively_terminates_running_children_and_notifies_the_parent()
    {
        var parent = new ParentInstanceInfo { TaskScheduledId = 4, WorkflowInstance = new WorkflowInstance { InstanceId = "top", ExecutionId = "t-exec" } };
        var record = Apply(Pending(parent: parent), FirstTurn(Pending(parent: parent)), Respond(
            new WorkflowAction { Id = 0, CreateChildWorkflow = new CreateChildWorkflowAction { InstanceId = "child-a", Name = "Step" } },
            new WorkflowAction { Id = 1, CreateChildWorkflow = new CreateChildWorkflowAction { InstanceId = "child-b", Name = "Step" } })).Next;
        record.History.Add(new HistoryEvent { EventId = -1, Timestamp = Now, ChildWorkflowInstanceCompleted = new ChildWorkflowInstanceCompletedEvent { TaskScheduledId = 1 } });

        var outcome = TurnApplier.Terminate(record, "\"stop\"", recursive: true, Now);

        outcome.Next.State.WorkflowStatus.ShouldBe(OrchestrationStatus.Terminated);
        outcome.Next.State.Output.ShouldBe("\"stop\"");
        outcome.Effects.OfType<TerminateOther>().Select(t => t.InstanceId).ShouldBe(["child-a"]);
        outcome.Effects.OfType<NotifyParent>().ShouldHaveSingleItem().Result.ChildWorkflowInstanceFailed.TaskScheduledId.ShouldBe(4);
    }
}
