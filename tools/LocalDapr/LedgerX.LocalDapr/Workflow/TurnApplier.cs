using Dapr.DurableTask.Protobuf;
using Google.Protobuf.WellKnownTypes;
using static LedgerX.LocalDapr.Workflow.WorkflowHistory;

namespace LedgerX.LocalDapr.Workflow;

/// <summary>A side effect of a committed turn, run by the engine only after the turn is saved.</summary>
internal abstract record TurnEffect;

internal sealed record ScheduleActivity(ActivityRequest Request) : TurnEffect;

internal sealed record ScheduleTimer(string InstanceId, string ExecutionId, int TimerId, Timestamp FireAt) : TurnEffect;

internal sealed record CreateChild(string ParentId, int TaskId, ExecutionStartedEvent Started) : TurnEffect;

internal sealed record StartDetached(CreateInstanceRequest Request) : TurnEffect;

internal sealed record SendEvent(string TargetInstanceId, string Name, HistoryEvent Event) : TurnEffect;

internal sealed record TerminateOther(string InstanceId, string? Reason, bool Recurse) : TurnEffect;

internal sealed record NotifyParent(string ParentId, string? ParentExecutionId, HistoryEvent Result) : TurnEffect;

/// <summary>An action this engine does not run; the engine logs it.</summary>
internal sealed record UnsupportedAction(WorkflowAction.WorkflowActionTypeOneofCase Action) : TurnEffect;

/// <summary>The events a turn was dispatched with: <c>WorkflowStarted</c> + a copy of the first <see cref="InboxCount"/> inbox events.</summary>
internal sealed record TurnInput(IReadOnlyList<HistoryEvent> NewEvents, int InboxCount);

/// <summary>The record after a turn (not saved yet) and what to do once it is.</summary>
internal sealed record TurnOutcome(WorkflowRecord Next, IReadOnlyList<TurnEffect> Effects);

/// <summary>
/// The pure centre of the engine: (record, dispatched events, the orchestrator's response) → (next record, effects).
/// No I/O, no clock of its own, no randomness except the injected execution-id source, so every rule of how a turn
/// changes an instance (history, inbox, status, actions → events) is unit-tested without a worker or a store.
/// </summary>
internal static class TurnApplier
{
    // SDK sentinel for "wait for the event forever": such a timer is recorded but never scheduled.
    private static readonly DateTimeOffset NeverFires = new(9999, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static TurnOutcome Apply(WorkflowRecord current, TurnInput turn, WorkflowResponse response, Timestamp now, Func<string> newExecutionId)
    {
        var next = current.Clone();
        var effects = new List<TurnEffect>();
        var newEvents = turn.NewEvents.Select(e => e.Clone()).ToList();
        if (response.Version is not null && newEvents.Count > 0 && newEvents[0].WorkflowStarted is { } turnStarted)
        {
            // Patches the SDK evaluated this turn: recorded so IsPatched answers the same on replay.
            turnStarted.Version = response.Version;
        }

        next.History.AddRange(newEvents);
        next.Inbox.RemoveRange(0, Math.Min(turn.InboxCount, next.Inbox.Count));
        if (next.State.WorkflowStatus == OrchestrationStatus.Pending)
        {
            next.State.WorkflowStatus = OrchestrationStatus.Running;
        }

        next.State.LastUpdatedTimestamp = now;
        if (response.CustomStatus is not null)
        {
            next.State.CustomStatus = response.CustomStatus;
        }

        string executionId = ExecutionIdOf(next);
        string instanceId = next.InstanceId;
        CompleteWorkflowAction? completion = null;
        foreach (var action in response.Actions)
        {
            switch (action.WorkflowActionTypeCase)
            {
                case WorkflowAction.WorkflowActionTypeOneofCase.ScheduleTask:
                {
                    var task = action.ScheduleTask;
                    // The activity runs in the trace of the request that started the workflow (durabletask-go records
                    // the context on TaskScheduled and hands it to the worker in the ActivityRequest).
                    var trace = next.History.FirstOrDefault(e => e.ExecutionStarted is not null)?.ExecutionStarted.ParentTraceContext;
                    next.History.Add(NewEvent(action.Id, now, e => e.TaskScheduled = new TaskScheduledEvent { Name = task.Name, Version = task.Version, Input = task.Input, TaskExecutionId = task.TaskExecutionId, ParentTraceContext = trace?.Clone() }));
                    effects.Add(new ScheduleActivity(NewActivityRequest(instanceId, executionId, action.Id, task.Name, task.Version, task.Input, task.TaskExecutionId, trace)));
                    break;
                }

                case WorkflowAction.WorkflowActionTypeOneofCase.CreateTimer:
                {
                    var timer = action.CreateTimer;
                    var created = new TimerCreatedEvent { FireAt = timer.FireAt };
                    if (timer.HasName)
                    {
                        created.Name = timer.Name;
                    }

                    switch (timer.OriginCase)
                    {
                        case CreateTimerAction.OriginOneofCase.CreateTimer: created.CreateTimer = timer.CreateTimer; break;
                        case CreateTimerAction.OriginOneofCase.ExternalEvent: created.ExternalEvent = timer.ExternalEvent; break;
                        case CreateTimerAction.OriginOneofCase.ActivityRetry: created.ActivityRetry = timer.ActivityRetry; break;
                        case CreateTimerAction.OriginOneofCase.ChildWorkflowRetry: created.ChildWorkflowRetry = timer.ChildWorkflowRetry; break;
                        default: break;
                    }

                    next.History.Add(NewEvent(action.Id, now, e => e.TimerCreated = created));
                    if (Fires(timer.FireAt))
                    {
                        effects.Add(new ScheduleTimer(instanceId, executionId, action.Id, timer.FireAt));
                    }

                    break;
                }

                case WorkflowAction.WorkflowActionTypeOneofCase.CreateChildWorkflow:
                {
                    var child = action.CreateChildWorkflow;
                    next.History.Add(NewEvent(action.Id, now, e => e.ChildWorkflowInstanceCreated = new ChildWorkflowInstanceCreatedEvent { InstanceId = child.InstanceId, Name = child.Name, Version = child.Version, Input = child.Input }));
                    effects.Add(new CreateChild(instanceId, action.Id, ChildStartedEvent(next, action.Id, child.InstanceId, child.Name, child.Version, child.Input, newExecutionId())));
                    break;
                }

                case WorkflowAction.WorkflowActionTypeOneofCase.CreateDetachedWorkflow:
                {
                    var detached = action.CreateDetachedWorkflow;
                    next.History.Add(NewEvent(action.Id, now, e => e.DetachedWorkflowInstanceCreated = new DetachedWorkflowInstanceCreatedEvent { InstanceId = detached.InstanceId }));
                    effects.Add(new StartDetached(new CreateInstanceRequest
                    {
                        InstanceId = detached.InstanceId,
                        Name = detached.Name,
                        Version = detached.Version,
                        Input = detached.Input,
                        ScheduledStartTimestamp = detached.ScheduledStartTimestamp,
                        ExecutionId = detached.ExecutionId,
                    }));
                    break;
                }

                case WorkflowAction.WorkflowActionTypeOneofCase.SendEvent:
                {
                    var send = action.SendEvent;
                    next.History.Add(NewEvent(action.Id, now, e => e.EventSent = new EventSentEvent { InstanceId = send.Instance.InstanceId, Name = send.Name, Input = send.Data }));
                    effects.Add(new SendEvent(send.Instance.InstanceId, send.Name, NewEvent(now, e => e.EventRaised = new EventRaisedEvent { Name = send.Name, Input = send.Data })));
                    break;
                }

                case WorkflowAction.WorkflowActionTypeOneofCase.TerminateWorkflow:
                    effects.Add(new TerminateOther(action.TerminateWorkflow.InstanceId, action.TerminateWorkflow.Reason, action.TerminateWorkflow.Recurse));
                    break;

                case WorkflowAction.WorkflowActionTypeOneofCase.CompleteWorkflow:
                    completion = action.CompleteWorkflow;
                    break;

                default:
                    effects.Add(new UnsupportedAction(action.WorkflowActionTypeCase));
                    break;
            }
        }

        if (completion is not null)
        {
            Complete(next, completion, now, newExecutionId, effects);
        }

        return new TurnOutcome(next, effects);
    }

    /// <summary>Terminates a running instance (management or another workflow's action): history, status and the parent's notice.</summary>
    public static TurnOutcome Terminate(WorkflowRecord current, string? output, bool recursive, Timestamp now)
    {
        var next = current.Clone();
        next.Inbox.Clear();
        next.History.Add(NewEvent(now, e => e.ExecutionTerminated = new ExecutionTerminatedEvent { Input = output, Recurse = recursive }));
        next.History.Add(NewEvent(now, e => e.ExecutionCompleted = new ExecutionCompletedEvent { WorkflowStatus = OrchestrationStatus.Terminated, Result = output }));
        next.State.WorkflowStatus = OrchestrationStatus.Terminated;
        next.State.Output = output;
        next.State.CompletedTimestamp = now;
        next.State.LastUpdatedTimestamp = now;
        var effects = new List<TurnEffect>();
        if (recursive)
        {
            effects.AddRange(RunningChildren(next).Select(child => new TerminateOther(child, output, Recurse: true)));
        }

        AddParentNotice(next, now, effects);
        return new TurnOutcome(next, effects);
    }

    public static bool Fires(Timestamp fireAt) => fireAt.ToDateTimeOffset() < NeverFires;

    private static void Complete(WorkflowRecord next, CompleteWorkflowAction completion, Timestamp now, Func<string> newExecutionId, List<TurnEffect> effects)
    {
        if (completion.WorkflowStatus == OrchestrationStatus.ContinuedAsNew)
        {
            ContinueAsNew(next, completion, now, newExecutionId());
            return;
        }

        if (completion.WorkflowStatus == OrchestrationStatus.Stalled)
        {
            // Patch mismatch or missing version: the instance waits (non-terminal) until a fixed app replays it.
            next.History.Add(NewEvent(now, e => e.ExecutionStalled = new ExecutionStalledEvent { Reason = StalledReason.PatchMismatch, Description = completion.Details ?? "" }));
            next.State.WorkflowStatus = OrchestrationStatus.Stalled;
            return;
        }

        next.History.Add(NewEvent(now, e => e.ExecutionCompleted = new ExecutionCompletedEvent { WorkflowStatus = completion.WorkflowStatus, Result = completion.Result, FailureDetails = completion.FailureDetails }));
        next.State.WorkflowStatus = completion.WorkflowStatus;
        next.State.Output = completion.Result;
        next.State.FailureDetails = completion.FailureDetails;
        if (WorkflowStatuses.IsTerminal(completion.WorkflowStatus))
        {
            next.State.CompletedTimestamp = now;
            next.Inbox.Clear();
            AddParentNotice(next, now, effects);
        }
    }

    private static void AddParentNotice(WorkflowRecord finished, Timestamp now, List<TurnEffect> effects)
    {
        var (parent, parentExecution, result) = ParentNotification(finished, now);
        if (parent is not null)
        {
            effects.Add(new NotifyParent(parent, parentExecution, result!));
        }
    }

    private static void ContinueAsNew(WorkflowRecord next, CompleteWorkflowAction completion, Timestamp now, string executionId)
    {
        var previous = next.History.First(e => e.ExecutionStarted is not null).ExecutionStarted;
        var started = previous.Clone();
        started.Input = completion.Result;
        started.WorkflowInstance = new WorkflowInstance { InstanceId = next.InstanceId, ExecutionId = executionId };
        started.ScheduledStartTimestamp = null;

        // Events the SDK kept for the next generation, then external events that arrived during this turn;
        // results of the old generation's activities and timers are dropped (they can no longer be awaited).
        var carried = completion.CarryoverEvents.Select(e => e.Clone())
            .Concat(next.Inbox.Where(e => e.EventRaised is not null))
            .ToList();
        next.History = [];
        next.Inbox = [NewEvent(now, e => e.ExecutionStarted = started), .. carried];
        next.State.WorkflowStatus = OrchestrationStatus.Running;
        next.State.Input = completion.Result;
        next.State.Output = null;
        next.State.CustomStatus = null;
        next.State.FailureDetails = null;
        next.State.ExecutionId = executionId;
        next.State.LastUpdatedTimestamp = now;
    }
}
