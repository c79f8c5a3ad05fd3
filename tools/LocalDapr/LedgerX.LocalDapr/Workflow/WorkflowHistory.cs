using Dapr.DurableTask.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace LedgerX.LocalDapr.Workflow;

/// <summary>
/// What an instance's history says: which activities, timers and child workflows are still pending, which run
/// (execution id) it is on, and the events the engine builds from it. Pure functions over <see cref="WorkflowRecord"/>,
/// shared by the turn applier, recovery and the engine.
/// </summary>
internal static class WorkflowHistory
{
    public static HistoryEvent NewEvent(Timestamp now, Action<HistoryEvent> set) => NewEvent(-1, now, set);

    public static HistoryEvent NewEvent(int eventId, Timestamp now, Action<HistoryEvent> set)
    {
        var e = new HistoryEvent { EventId = eventId, Timestamp = now };
        set(e);
        return e;
    }

    public static bool IsActivityPending(WorkflowRecord record, int taskId) =>
        record.History.Any(e => e.TaskScheduled is not null && e.EventId == taskId)
        && !record.History.Concat(record.Inbox).Any(e => e.TaskCompleted?.TaskScheduledId == taskId || e.TaskFailed?.TaskScheduledId == taskId);

    public static bool IsTimerPending(WorkflowRecord record, int timerId) =>
        record.History.Any(e => e.TimerCreated is not null && e.EventId == timerId)
        && !record.History.Concat(record.Inbox).Any(e => e.TimerFired?.TimerId == timerId);

    public static bool IsChildPending(WorkflowRecord record, int taskId) =>
        record.History.Any(e => e.ChildWorkflowInstanceCreated is not null && e.EventId == taskId)
        && !record.History.Concat(record.Inbox).Any(e => e.ChildWorkflowInstanceCompleted?.TaskScheduledId == taskId || e.ChildWorkflowInstanceFailed?.TaskScheduledId == taskId);

    public static List<string> RunningChildren(WorkflowRecord record) =>
        record.History.Where(e => e.ChildWorkflowInstanceCreated is not null && IsChildPending(record, e.EventId))
            .Select(e => e.ChildWorkflowInstanceCreated.InstanceId).ToList();

    public static string ExecutionIdOf(WorkflowRecord record) =>
        record.History.Concat(record.Inbox).FirstOrDefault(e => e.ExecutionStarted is not null)?.ExecutionStarted.WorkflowInstance?.ExecutionId
        ?? record.State.ExecutionId ?? "";

    public static ActivityRequest NewActivityRequest(string instanceId, string executionId, int taskId, string name, string? version, string? input, string taskExecutionId,
        TraceContext? parentTraceContext) => new()
    {
        ParentTraceContext = parentTraceContext?.Clone(),
        Name = name,
        Version = version,
        Input = input,
        WorkflowInstance = new WorkflowInstance { InstanceId = instanceId, ExecutionId = executionId },
        TaskId = taskId,
        TaskExecutionId = taskExecutionId,
    };

    /// <summary>The result a finished child owes its parent (the run that created it), or nothing for a top-level instance.</summary>
    public static (string? Parent, string? ParentExecutionId, HistoryEvent? Result) ParentNotification(WorkflowRecord child, Timestamp now)
    {
        var parent = child.History.FirstOrDefault(e => e.ExecutionStarted is not null)?.ExecutionStarted.ParentInstance;
        if (parent?.WorkflowInstance is null)
        {
            return (null, null, null);
        }

        var state = child.State;
        var result = state.WorkflowStatus == OrchestrationStatus.Completed
            ? NewEvent(now, e => e.ChildWorkflowInstanceCompleted = new ChildWorkflowInstanceCompletedEvent { TaskScheduledId = parent.TaskScheduledId, Result = state.Output })
            : NewEvent(now, e => e.ChildWorkflowInstanceFailed = new ChildWorkflowInstanceFailedEvent
            {
                TaskScheduledId = parent.TaskScheduledId,
                FailureDetails = state.FailureDetails ?? new TaskFailureDetails { ErrorType = "WorkflowTerminated", ErrorMessage = $"child workflow {child.InstanceId} was {state.WorkflowStatus}" },
            });
        return (parent.WorkflowInstance.InstanceId, parent.WorkflowInstance.ExecutionId, result);
    }

    public static ExecutionStartedEvent ChildStartedEvent(WorkflowRecord parent, int taskId, string childId, string name, string? version, string? input, string executionId) => new()
    {
        Name = name,
        Version = version,
        Input = input,
        WorkflowInstance = new WorkflowInstance { InstanceId = childId, ExecutionId = executionId },
        ParentInstance = new ParentInstanceInfo
        {
            TaskScheduledId = taskId,
            Name = parent.State.Name,
            WorkflowInstance = new WorkflowInstance { InstanceId = parent.InstanceId, ExecutionId = ExecutionIdOf(parent) },
        },
    };

    public static string NewExecutionId() => Guid.NewGuid().ToString("N");
}
