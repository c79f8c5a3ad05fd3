using Dapr.DurableTask.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using static LedgerX.LocalDapr.Workflow.WorkflowHistory;

namespace LedgerX.LocalDapr.Workflow;

/// <summary>
/// Re-arming pending work from history: at start for every unfinished instance, and for one instance whenever its
/// record is reloaded after a save whose outcome was unknown. Pending work is never stored apart from history, so
/// a <c>TaskScheduled</c> without a result is an activity to queue, a <c>TimerCreated</c> without <c>TimerFired</c> a
/// timer to arm, a missing child a child to create and a finished child a result to deliver.
/// </summary>
public sealed partial class WorkflowEngine
{
    /// <summary>Starts the dispatcher and timers, then resumes what the store says is unfinished.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _started, 1) == 1)
        {
            return;
        }

        _timers.Start();
        _dispatcher.Start();
        var active = await _store.LoadActiveAsync(cancellationToken);
        foreach (var record in active)
        {
            using var scope = await _table.EnterAsync(record.InstanceId, cancellationToken);

            // A request that arrived while recovery ran may have loaded (and changed) it already: keep that. Loading
            // on entry above read the same row, so only instances still unfinished are re-armed.
            if (scope.Instance.Record is { } current && !WorkflowStatuses.IsTerminal(current.State.WorkflowStatus))
            {
                ResumePendingWork(scope.Instance);
            }
        }

        _logger.LogInformation("workflow engine started: {Count} unfinished instances resumed", active.Count);
    }

    /// <summary>Re-queues pending activities, re-arms timers and queues a turn for waiting events. Call under the gate.</summary>
    private void ResumePendingWork(InstanceEntry instance)
    {
        // A turn built from the record before the reload may not match it any more: build it again.
        CancelTurn(instance);
        if (instance.Record is not { } record || WorkflowStatuses.IsTerminal(record.State.WorkflowStatus))
        {
            return;
        }

        string executionId = ExecutionIdOf(record);
        foreach (var e in record.History)
        {
            if (e.TaskScheduled is { } task && IsActivityPending(record, e.EventId))
            {
                var activity = NewActivityRequest(record.InstanceId, executionId, e.EventId, task.Name, task.Version, task.Input, task.TaskExecutionId, task.ParentTraceContext);
                _dispatcher.Enqueue(new ActivityDispatch(record.InstanceId, activity));
            }
            else if (e.TimerCreated is { } timer && IsTimerPending(record, e.EventId))
            {
                ArmTimer(record.InstanceId, executionId, e.EventId, timer.FireAt);
            }
        }

        MarkReady(instance);
        if (record.History.Any(e => e.ChildWorkflowInstanceCreated is not null))
        {
            string id = record.InstanceId;
            _ = Task.Run(() => RetryAsync(() => ReconcileChildrenAsync(id, _stopping.Token), $"child workflows of {id}"));
        }
    }

    private async Task ReconcileChildrenAsync(string parentId, CancellationToken cancellationToken)
    {
        var record = await SnapshotAsync(parentId, cancellationToken);
        if (record is null)
        {
            return;
        }

        foreach (var e in record.History.Where(e => e.ChildWorkflowInstanceCreated is not null && IsChildPending(record, e.EventId)).ToList())
        {
            var created = e.ChildWorkflowInstanceCreated;
            var childRecord = await SnapshotAsync(created.InstanceId, cancellationToken);
            if (childRecord is null)
            {
                await CreateChildAsync(parentId, e.EventId, ChildStartedEvent(record, e.EventId, created.InstanceId, created.Name, created.Version, created.Input, NewExecutionId()));
            }
            else if (WorkflowStatuses.IsTerminal(childRecord.State.WorkflowStatus))
            {
                var (parentOfChild, parentExecution, result) = ParentNotification(childRecord, Now());
                if (parentOfChild == parentId)
                {
                    await DeliverToParentAsync(parentId, parentExecution, result!);
                }
            }
        }
    }

    private Task CreateChildAsync(string parentId, int taskId, ExecutionStartedEvent started) =>
        RetryAsync(
            async () =>
            {
                try
                {
                    await CreateAsync(started.WorkflowInstance.InstanceId, started, parentId, _stopping.Token);
                }
                catch (RpcException ex) when (ex.StatusCode == StatusCode.AlreadyExists)
                {
                    var failure = NewEvent(Now(), e => e.ChildWorkflowInstanceFailed = new ChildWorkflowInstanceFailedEvent
                    {
                        TaskScheduledId = taskId,
                        FailureDetails = new TaskFailureDetails { ErrorType = "WorkflowAlreadyExists", ErrorMessage = ex.Status.Detail, IsNonRetriable = true },
                    });
                    await DeliverToParentAsync(parentId, started.ParentInstance?.WorkflowInstance?.ExecutionId, failure);
                }
            },
            $"create child workflow {started.WorkflowInstance.InstanceId} of {parentId}");

    /// <summary>
    /// Delivers a child's result to the run of the parent that created it (same execution id), once: a parent that
    /// continued as new or whose id was reused by a new run does not receive it.
    /// </summary>
    private Task DeliverToParentAsync(string parentId, string? parentExecutionId, HistoryEvent result)
    {
        int taskId = result.ChildWorkflowInstanceCompleted?.TaskScheduledId ?? result.ChildWorkflowInstanceFailed.TaskScheduledId;
        return RetryAsync(
            () => DeliverAsync(parentId, result, parent => (string.IsNullOrEmpty(parentExecutionId) || ExecutionIdOf(parent) == parentExecutionId) && IsChildPending(parent, taskId), _stopping.Token),
            $"child result to {parentId}");
    }
}
