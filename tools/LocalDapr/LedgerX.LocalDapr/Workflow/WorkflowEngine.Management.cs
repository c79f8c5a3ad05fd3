using Dapr.DurableTask.Protobuf;
using Grpc.Core;
using static LedgerX.LocalDapr.Workflow.WorkflowHistory;

namespace LedgerX.LocalDapr.Workflow;

/// <summary>The client operations: start, read, wait, raise, terminate, suspend/resume, purge, list, history.</summary>
public sealed partial class WorkflowEngine
{
    public async Task<string> StartInstanceAsync(CreateInstanceRequest request, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(request.Name))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "workflow name is required"));
        }

        string instanceId = string.IsNullOrEmpty(request.InstanceId) ? Guid.NewGuid().ToString("N") : request.InstanceId;
        var started = new ExecutionStartedEvent
        {
            Name = request.Name,
            Version = request.Version,
            Input = request.Input,
            WorkflowInstance = new WorkflowInstance { InstanceId = instanceId, ExecutionId = request.ExecutionId ?? NewExecutionId() },
            ScheduledStartTimestamp = request.ScheduledStartTimestamp,
            ParentTraceContext = request.ParentTraceContext,
        };
        started.Tags.Add(request.Tags);
        await CreateAsync(instanceId, started, parentInstanceId: null, cancellationToken);
        return instanceId;
    }

    public async Task<GetInstanceResponse> GetInstanceAsync(string instanceId, bool includePayloads, CancellationToken cancellationToken) =>
        Describe(await SnapshotAsync(instanceId, cancellationToken), includePayloads);

    /// <summary>Blocks until the instance exists and has left <c>Pending</c> (or the caller's deadline/cancellation).</summary>
    public Task<GetInstanceResponse> WaitForStartAsync(string instanceId, bool includePayloads, CancellationToken cancellationToken) =>
        WaitForAsync(instanceId, includePayloads, s => s != OrchestrationStatus.Pending, cancellationToken);

    /// <summary>Blocks until the instance exists and is completed, failed or terminated.</summary>
    public Task<GetInstanceResponse> WaitForCompletionAsync(string instanceId, bool includePayloads, CancellationToken cancellationToken) =>
        WaitForAsync(instanceId, includePayloads, WorkflowStatuses.IsTerminal, cancellationToken);

    public async Task RaiseEventAsync(string instanceId, string name, string? input, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(name))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "event name is required"));
        }

        var delivered = await DeliverAsync(instanceId, NewEvent(Now(), e => e.EventRaised = new EventRaisedEvent { Name = name, Input = input }), null, cancellationToken);
        if (delivered == Delivery.NoInstance)
        {
            throw NotFound(instanceId);
        }
    }

    /// <summary>Applied by the engine itself, so it works with no worker connected; recursive for running children.</summary>
    public async Task TerminateAsync(string instanceId, string? output, bool recursive, CancellationToken cancellationToken)
    {
        ArgumentGuard(instanceId);
        IReadOnlyList<TurnEffect> effects;
        using (var scope = await _table.EnterAsync(instanceId, cancellationToken))
        {
            var instance = scope.Instance;
            var record = instance.Record ?? throw NotFound(instanceId);
            if (WorkflowStatuses.IsTerminal(record.State.WorkflowStatus))
            {
                return;
            }

            var outcome = TurnApplier.Terminate(record, output, recursive, Now());
            await SaveAsync(instance, outcome.Next, cancellationToken);
            instance.Record = outcome.Next;
            CancelTurn(instance);
            instance.Signal();
            FinishedLater(instance);
            effects = outcome.Effects;
        }

        // Children first (inline, so a recursive terminate has finished when the call returns), then the parent's notice.
        foreach (var child in effects.OfType<TerminateOther>())
        {
            await TerminateAsync(child.InstanceId, child.Reason, recursive: true, cancellationToken);
        }

        await RunEffectsAsync(effects.Where(e => e is not TerminateOther).ToList());
    }

    public async Task SuspendAsync(string instanceId, string? reason, CancellationToken cancellationToken)
    {
        ArgumentGuard(instanceId);
        using var scope = await _table.EnterAsync(instanceId, cancellationToken);
        var instance = scope.Instance;
        var record = instance.Record ?? throw NotFound(instanceId);
        if (record.State.WorkflowStatus is not (OrchestrationStatus.Running or OrchestrationStatus.Pending))
        {
            return;
        }

        // The suspension travels as an event so it lands in history at the right place relative to a turn that may
        // be in flight; while suspended no turn is dispatched and new events wait in the inbox.
        var next = record.Clone();
        next.Inbox.Add(NewEvent(Now(), e => e.ExecutionSuspended = new ExecutionSuspendedEvent { Input = reason }));
        next.State.WorkflowStatus = OrchestrationStatus.Suspended;
        next.State.LastUpdatedTimestamp = Now();
        await SaveAsync(instance, next, cancellationToken);
        instance.Record = next;
        instance.Signal();
    }

    public async Task ResumeAsync(string instanceId, string? reason, CancellationToken cancellationToken)
    {
        ArgumentGuard(instanceId);
        using var scope = await _table.EnterAsync(instanceId, cancellationToken);
        var instance = scope.Instance;
        var record = instance.Record ?? throw NotFound(instanceId);
        if (record.State.WorkflowStatus != OrchestrationStatus.Suspended)
        {
            return;
        }

        var next = record.Clone();
        next.Inbox.Add(NewEvent(Now(), e => e.ExecutionResumed = new ExecutionResumedEvent { Input = reason }));
        next.State.WorkflowStatus = next.History.Count == 0 ? OrchestrationStatus.Pending : OrchestrationStatus.Running;
        next.State.LastUpdatedTimestamp = Now();
        await SaveAsync(instance, next, cancellationToken);
        instance.Record = next;
        instance.Signal();
        MarkReady(instance);
    }

    /// <summary>
    /// Deletes a finished instance (and, when recursive, its child workflows); returns how many were deleted. Purge by
    /// filter is refused, as daprd's engine refuses it (its durable-task backend does not implement multi-instance purge).
    /// </summary>
    public async Task<int> PurgeAsync(PurgeInstancesRequest request, CancellationToken cancellationToken)
    {
        if (request.RequestCase == PurgeInstancesRequest.RequestOneofCase.PurgeInstanceFilter)
        {
            throw new RpcException(new Status(StatusCode.Unknown, "purging workflow instances by filter is not supported; purge each instance by its ID"));
        }

        ArgumentGuard(request.InstanceId);
        return await PurgeOneAsync(request.InstanceId, request.Recursive, request.HasForce && request.Force, strict: true, cancellationToken);
    }

    public async Task<ListInstanceIDsResponse> ListInstanceIdsAsync(ListInstanceIDsRequest request, CancellationToken cancellationToken)
    {
        int pageSize = request.HasPageSize && request.PageSize > 0 ? (int)Math.Min(request.PageSize, MaxListPageSize) : MaxListPageSize;
        var ids = await _store.ListIdsAsync(request.HasContinuationToken && request.ContinuationToken.Length > 0 ? request.ContinuationToken : null, pageSize, cancellationToken);
        var response = new ListInstanceIDsResponse();
        response.InstanceIds.AddRange(ids);
        if (ids.Count == pageSize)
        {
            response.ContinuationToken = ids[^1];
        }

        return response;
    }

    public async Task<GetInstanceHistoryResponse> GetHistoryAsync(string instanceId, CancellationToken cancellationToken)
    {
        var record = await SnapshotAsync(instanceId, cancellationToken) ?? throw NotFound(instanceId);
        var response = new GetInstanceHistoryResponse();
        response.Events.AddRange(record.History);
        return response;
    }

    private async Task CreateAsync(string instanceId, ExecutionStartedEvent started, string? parentInstanceId, CancellationToken cancellationToken)
    {
        using var scope = await _table.EnterAsync(instanceId, cancellationToken);
        var instance = scope.Instance;
        long revision = 0;
        if (instance.Record is { } existing)
        {
            if (!WorkflowStatuses.IsTerminal(existing.State.WorkflowStatus))
            {
                throw new RpcException(new Status(StatusCode.AlreadyExists, $"an active workflow with ID '{instanceId}' already exists"));
            }

            // A finished instance's id may be reused: the new run replaces it.
            revision = existing.Revision;
        }

        var now = Now();
        var state = new WorkflowState
        {
            InstanceId = instanceId,
            Name = started.Name,
            Version = started.Version,
            WorkflowStatus = OrchestrationStatus.Pending,
            CreatedTimestamp = now,
            LastUpdatedTimestamp = now,
            Input = started.Input,
            ExecutionId = started.WorkflowInstance.ExecutionId,
            ScheduledStartTimestamp = started.ScheduledStartTimestamp,
            ParentInstanceId = parentInstanceId,
        };
        state.Tags.Add(started.Tags);
        var record = new WorkflowRecord
        {
            InstanceId = instanceId,
            State = state,
            Inbox = [NewEvent(now, e => e.ExecutionStarted = started)],
            Revision = revision,
        };
        CancelTurn(instance);
        instance.EvictAfter = null;
        await SaveDispatchingAsync(instance, record, cancellationToken);
        instance.Signal();
    }

    private async Task<int> PurgeOneAsync(string instanceId, bool recursive, bool force, bool strict, CancellationToken cancellationToken)
    {
        List<string> children;
        using (var scope = await _table.EnterAsync(instanceId, cancellationToken))
        {
            var instance = scope.Instance;
            if (instance.Record is not { } record)
            {
                return 0;
            }

            if (!force && !WorkflowStatuses.IsTerminal(record.State.WorkflowStatus))
            {
                if (strict)
                {
                    throw new RpcException(new Status(StatusCode.FailedPrecondition, $"workflow '{instanceId}' is {record.State.WorkflowStatus} and cannot be purged; terminate it first"));
                }

                return 0;
            }

            children = recursive ? record.History.Where(e => e.ChildWorkflowInstanceCreated is not null).Select(e => e.ChildWorkflowInstanceCreated.InstanceId).Distinct().ToList() : [];
            await _store.DeleteAsync(instanceId, cancellationToken);
            instance.Record = null;
            SettleUnsaved(instance, failure: null);
            CancelTurn(instance);
            instance.Signal();
        }

        int count = 1;
        foreach (var child in children)
        {
            count += await PurgeOneAsync(child, recursive, force, strict: false, cancellationToken);
        }

        return count;
    }

    private async Task<GetInstanceResponse> WaitForAsync(string instanceId, bool includePayloads, Func<OrchestrationStatus, bool> done, CancellationToken callerToken)
    {
        ArgumentGuard(instanceId);

        // A stopping sidecar ends the wait with Unavailable, which the SDK answers by waiting again, as it does when daprd restarts.
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(callerToken, _stopping.Token);
        var token = linked.Token;

        // Pinned for the whole wait, so the entry (and the signal the wait is on) stays while the id does not exist yet.
        var pinned = _table.Pin(instanceId);
        try
        {
            while (true)
            {
                Task changed;
                WorkflowRecord? record;
                using (var scope = await _table.EnterAsync(instanceId, token))
                {
                    record = scope.Instance.Record;
                    changed = scope.Instance.Changed;
                }

                if (record is not null && done(record.State.WorkflowStatus))
                {
                    return Describe(record, includePayloads);
                }

                await changed.WaitAsync(token);
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested && !callerToken.IsCancellationRequested)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, "the workflow engine is stopping"));
        }
        finally
        {
            _table.Unpin(pinned);
        }
    }

    /// <summary>The instance's current record, read under its gate.</summary>
    private async Task<WorkflowRecord?> SnapshotAsync(string instanceId, CancellationToken cancellationToken)
    {
        ArgumentGuard(instanceId);
        using var scope = await _table.EnterAsync(instanceId, cancellationToken);
        return scope.Instance.Record;
    }

    private static GetInstanceResponse Describe(WorkflowRecord? record, bool includePayloads)
    {
        if (record is null)
        {
            return new GetInstanceResponse { Exists = false };
        }

        var state = record.State.Clone();
        if (!includePayloads)
        {
            state.Input = null;
            state.Output = null;
            state.CustomStatus = null;
        }

        return new GetInstanceResponse { Exists = true, WorkflowState = state };
    }
}
