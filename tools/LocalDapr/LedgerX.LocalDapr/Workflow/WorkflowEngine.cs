using System.Collections.Concurrent;
using System.Threading.Channels;
using Dapr.DurableTask.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LedgerX.LocalDapr.Workflow;

/// <summary>
/// A durable-task engine speaking Dapr's <c>TaskHubSidecarService</c> semantics (spec §5), the role daprd's
/// actor-backed workflow engine plays. The app's SDK runs the orchestrator code; this engine keeps each
/// instance's history, turns arriving events into orchestrator work items (full <c>pastEvents</c> + the new
/// events, never a cached-history delta), executes the returned actions (activities, timers, child workflows,
/// events, completion, continue-as-new) and persists every step before acknowledging it.
/// <para>
/// Concurrency: all changes to one instance happen under that instance's gate, and an instance has at most
/// one orchestrator work item in flight (<see cref="Instance.DispatchToken"/>), so however many workers are
/// connected, one instance is never executed twice at once. Workers compete for one queue of work items; a
/// worker that disconnects gives its unfinished items back to the queue.
/// </para>
/// </summary>
public sealed class WorkflowEngine : IAsyncDisposable
{
    /// <summary>How long a worker stream may stay idle before it is sent a health ping.</summary>
    public static readonly TimeSpan HealthPingInterval = TimeSpan.FromSeconds(10);

    // Side effects of a committed turn are retried this often, this far apart, before waiting for a restart.
    private const int MaxEffectAttempts = 60;
    private static readonly TimeSpan EffectRetryDelay = TimeSpan.FromSeconds(1);

    /// <summary>Default and maximum page size of ListInstanceIDs.</summary>
    public const int MaxListPageSize = 1000;

    // SDK sentinel for "wait for the event forever": such a timer is recorded but never scheduled.
    private static readonly DateTimeOffset NeverFires = new(9999, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly IWorkflowStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, Instance> _instances = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Dispatch> _outstanding = new(StringComparer.Ordinal);

    // "instanceId/taskId" -> token of the activity handed out, for results that carry no token.
    private readonly ConcurrentDictionary<string, string> _activityTokens = new(StringComparer.Ordinal);
    private readonly Channel<WorkEntry> _queue = Channel.CreateUnbounded<WorkEntry>();
    private readonly DurableTimers _timers;
    private readonly CancellationTokenSource _stopping = new();
    private int _started;
    private int _disposed;

    public WorkflowEngine(IWorkflowStore store, TimeProvider? time = null, ILogger? logger = null)
    {
        _store = store;
        _time = time ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        _timers = new DurableTimers(_time, _logger);
    }

    /// <summary>How long a finished instance stays in memory (for waiters and status reads) before only the store has it.</summary>
    public TimeSpan FinishedRetention { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Number of worker streams (GetWorkItems) connected now.</summary>
    public int ConnectedWorkers
    {
        get
        {
            lock (_workersGate)
            {
                return _connected.Count;
            }
        }
    }

    private readonly Lock _workersGate = new();
    private readonly List<Worker> _connected = [];
    private readonly SemaphoreSlim _workerJoined = new(0, int.MaxValue);
    private Task _dispatcher = Task.CompletedTask;
    private int _nextWorker;

    /// <summary>
    /// Resumes what the store says is unfinished: queues instances with unprocessed events, re-queues activities
    /// that have no result yet, re-arms timers and re-creates child workflows that are missing.
    /// </summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _started, 1) == 1)
        {
            return;
        }

        _timers.Start();
        _dispatcher = Task.Run(DispatchLoopAsync);
        var active = await _store.LoadActiveAsync(cancellationToken);
        foreach (var record in active)
        {
            var instance = _instances.GetOrAdd(record.InstanceId, id => new Instance(id));
            await instance.Gate.WaitAsync(cancellationToken);
            try
            {
                // A request that arrived while recovery ran may have loaded (and changed) it already: keep that.
                if (!instance.Loaded)
                {
                    instance.Record = record;
                    instance.Loaded = true;
                }

                if (instance.Record is { } current && !WorkflowStatuses.IsTerminal(current.State.WorkflowStatus))
                {
                    ResumePendingWork(instance);
                }
            }
            finally
            {
                instance.Gate.Release();
            }
        }

        foreach (var record in active)
        {
            await ReconcileChildrenAsync(record.InstanceId, cancellationToken);
        }

        _logger.LogInformation("workflow engine started: {Count} unfinished instances resumed", active.Count);
    }

    // ---------------------------------------------------------------- client API

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

    public async Task<GetInstanceResponse> GetInstanceAsync(string instanceId, bool includePayloads, CancellationToken cancellationToken)
    {
        ArgumentGuard(instanceId);
        return Describe(await SnapshotAsync(instanceId, cancellationToken), includePayloads);
    }

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

        var delivered = await DeliverAsync(instanceId, NewEvent(e => e.EventRaised = new EventRaisedEvent { Name = name, Input = input }), null, cancellationToken);
        if (delivered == Delivery.NoInstance)
        {
            throw NotFound(instanceId);
        }
    }

    public async Task TerminateAsync(string instanceId, string? output, bool recursive, CancellationToken cancellationToken)
    {
        var instance = await LoadAsync(instanceId, cancellationToken);
        List<string> children;
        string? notifyParent = null;
        string? parentExecution = null;
        HistoryEvent? parentEvent = null;
        await EnterAsync(instance, cancellationToken);
        try
        {
            var record = instance.Record ?? throw NotFound(instanceId);
            if (WorkflowStatuses.IsTerminal(record.State.WorkflowStatus))
            {
                return;
            }

            var next = record.Clone();
            var now = Now();
            next.Inbox.Clear();
            next.History.Add(NewEvent(e => e.ExecutionTerminated = new ExecutionTerminatedEvent { Input = output, Recurse = recursive }));
            next.History.Add(NewEvent(e => e.ExecutionCompleted = new ExecutionCompletedEvent { WorkflowStatus = OrchestrationStatus.Terminated, Result = output }));
            next.State.WorkflowStatus = OrchestrationStatus.Terminated;
            next.State.Output = output;
            next.State.CompletedTimestamp = now;
            next.State.LastUpdatedTimestamp = now;
            await SaveAsync(instance, next, cancellationToken);
            instance.Record = next;
            instance.DispatchToken = null;
            instance.Signal();
            EvictLater(instance);
            children = recursive ? RunningChildren(next) : [];
            (notifyParent, parentExecution, parentEvent) = ParentNotification(next);
        }
        finally
        {
            instance.Gate.Release();
        }

        foreach (var child in children)
        {
            await TerminateAsync(child, output, recursive: true, cancellationToken);
        }

        if (notifyParent is not null)
        {
            await DeliverToParentAsync(notifyParent, parentExecution, parentEvent!, cancellationToken);
        }
    }

    public async Task SuspendAsync(string instanceId, string? reason, CancellationToken cancellationToken)
    {
        var instance = await LoadAsync(instanceId, cancellationToken);
        await EnterAsync(instance, cancellationToken);
        try
        {
            var record = instance.Record ?? throw NotFound(instanceId);
            if (record.State.WorkflowStatus is not (OrchestrationStatus.Running or OrchestrationStatus.Pending))
            {
                return;
            }

            // The suspension travels as an event so it lands in history at the right place relative to a turn
            // that may be in flight; while suspended no turn is dispatched and new events wait in the inbox.
            var next = record.Clone();
            next.Inbox.Add(NewEvent(e => e.ExecutionSuspended = new ExecutionSuspendedEvent { Input = reason }));
            next.State.WorkflowStatus = OrchestrationStatus.Suspended;
            next.State.LastUpdatedTimestamp = Now();
            await SaveAsync(instance, next, cancellationToken);
            instance.Record = next;
            instance.Signal();
        }
        finally
        {
            instance.Gate.Release();
        }
    }

    public async Task ResumeAsync(string instanceId, string? reason, CancellationToken cancellationToken)
    {
        var instance = await LoadAsync(instanceId, cancellationToken);
        await EnterAsync(instance, cancellationToken);
        try
        {
            var record = instance.Record ?? throw NotFound(instanceId);
            if (record.State.WorkflowStatus != OrchestrationStatus.Suspended)
            {
                return;
            }

            var next = record.Clone();
            next.Inbox.Add(NewEvent(e => e.ExecutionResumed = new ExecutionResumedEvent { Input = reason }));
            next.State.WorkflowStatus = next.History.Count == 0 ? OrchestrationStatus.Pending : OrchestrationStatus.Running;
            next.State.LastUpdatedTimestamp = Now();
            await SaveAsync(instance, next, cancellationToken);
            instance.Record = next;
            instance.Signal();
            MarkReady(instance);
        }
        finally
        {
            instance.Gate.Release();
        }
    }

    /// <summary>Deletes finished instances (and, when recursive, their child workflows). Returns how many were deleted.</summary>
    public async Task<int> PurgeAsync(PurgeInstancesRequest request, CancellationToken cancellationToken)
    {
        bool force = request.HasForce && request.Force;
        if (request.RequestCase == PurgeInstancesRequest.RequestOneofCase.PurgeInstanceFilter)
        {
            var filter = request.PurgeInstanceFilter;
            var ids = await _store.FindAsync(
                filter.CreatedTimeFrom?.ToDateTimeOffset(),
                filter.CreatedTimeTo?.ToDateTimeOffset(),
                filter.RuntimeStatus.ToList(),
                cancellationToken);
            int count = 0;
            foreach (var id in ids)
            {
                count += await PurgeOneAsync(id, request.Recursive, force, strict: false, cancellationToken);
            }

            return count;
        }

        return await PurgeOneAsync(request.InstanceId, request.Recursive, force, strict: true, cancellationToken);
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
        ArgumentGuard(instanceId);
        var record = await SnapshotAsync(instanceId, cancellationToken) ?? throw NotFound(instanceId);
        var response = new GetInstanceHistoryResponse();
        response.Events.AddRange(record.History);
        return response;
    }

    // ---------------------------------------------------------------- worker API

    /// <summary>
    /// Serves one <c>GetWorkItems</c> stream until the worker goes away; items it received but did not complete
    /// are put back for another worker.
    /// </summary>
    public async Task RunWorkerAsync(IServerStreamWriter<WorkItem> writer, bool healthPings, CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stopping.Token);
        var token = linked.Token;
        var worker = new Worker();
        lock (_workersGate)
        {
            _connected.Add(worker);
        }

        _workerJoined.Release();
        _logger.LogInformation("workflow worker connected ({Count} now)", ConnectedWorkers);
        try
        {
            while (!token.IsCancellationRequested)
            {
                // An idle stream gets a health ping; writing it to a vanished worker ends the stream.
                using (var idle = CancellationTokenSource.CreateLinkedTokenSource(token))
                {
                    idle.CancelAfter(healthPings ? HealthPingInterval : Timeout.InfiniteTimeSpan);
                    try
                    {
                        if (!await worker.Items.Reader.WaitToReadAsync(idle.Token))
                        {
                            break;
                        }
                    }
                    catch (OperationCanceledException) when (!token.IsCancellationRequested)
                    {
                        await writer.WriteAsync(new WorkItem { HealthPing = new HealthPing() }, token);
                        continue;
                    }
                }

                while (worker.Items.Reader.TryRead(out var item))
                {
                    await writer.WriteAsync(item, token);
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or InvalidOperationException or IOException)
        {
            // The worker went away or the engine is stopping.
        }
        finally
        {
            lock (_workersGate)
            {
                worker.Closed = true;
                _connected.Remove(worker);
            }

            await ReleaseAsync(worker);
            _logger.LogInformation("workflow worker disconnected ({Count} left)", ConnectedWorkers);
        }
    }

    /// <summary>
    /// Hands queued work to connected workers, each item to the worker with the fewest unfinished items (ties in
    /// turn), so replicas share the load instead of the fastest reader taking everything.
    /// </summary>
    private async Task DispatchLoopAsync()
    {
        try
        {
            while (!_stopping.IsCancellationRequested)
            {
                var entry = await _queue.Reader.ReadAsync(_stopping.Token);
                var worker = await PickWorkerAsync();
                WorkItem? item;
                try
                {
                    item = entry.ActivityRequest is null
                        ? await TryDispatchOrchestrationAsync(entry.InstanceId, worker)
                        : DispatchActivity(entry, worker);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // Typically the store is unreachable: try this entry again shortly, keep serving the rest.
                    _logger.LogError(ex, "could not dispatch work for workflow {InstanceId}; retrying", entry.InstanceId);
                    _timers.Schedule(_time.GetUtcNow().AddSeconds(1), () => EnqueueAsync(entry).AsTask());
                    continue;
                }

                if (item is null)
                {
                    continue;
                }

                bool handedOver;
                lock (_workersGate)
                {
                    handedOver = !worker.Closed && worker.Items.Writer.TryWrite(item);
                }

                if (!handedOver)
                {
                    // The worker left between being picked and being handed the item: give it back.
                    await ReleaseAsync(worker);
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ChannelClosedException)
        {
            // Stopping.
        }
        catch (Exception ex)
        {
            _logger.LogCritical(ex, "workflow dispatcher failed; no more work items will be sent");
            throw;
        }
    }

    private async Task<Worker> PickWorkerAsync()
    {
        while (true)
        {
            lock (_workersGate)
            {
                if (_connected.Count > 0)
                {
                    int start = _nextWorker++ % _connected.Count;
                    var best = _connected[start];
                    for (int i = 1; i < _connected.Count; i++)
                    {
                        var candidate = _connected[(start + i) % _connected.Count];
                        if (candidate.Tokens.Count < best.Tokens.Count)
                        {
                            best = candidate;
                        }
                    }

                    return best;
                }
            }

            await _workerJoined.WaitAsync(_stopping.Token);
        }
    }

    public async Task CompleteOrchestratorAsync(WorkflowResponse response, CancellationToken cancellationToken)
    {
        // daprd matches a result to its turn by instance id and ignores the token (durabletask-go's executor keeps
        // pending turns keyed by instance id), and SDKs other than .NET's do not echo it: an empty token means
        // "the turn in flight for this instance". A token that is given must still be the current one.
        string token = response.CompletionToken;
        if (string.IsNullOrEmpty(token) && !string.IsNullOrEmpty(response.InstanceId)
            && _instances.TryGetValue(response.InstanceId, out var target))
        {
            token = target.DispatchToken ?? "";
        }

        if (!_outstanding.TryRemove(token, out var dispatch) || dispatch.ActivityRequest is not null)
        {
            _logger.LogDebug("ignoring a workflow result with an unknown completion token for {InstanceId}", response.InstanceId);
            return;
        }

        dispatch.Worker.Tokens.TryRemove(token, out _);
        var instance = await LoadAsync(dispatch.InstanceId, cancellationToken);
        var effects = new List<Func<Task>>();
        await EnterAsync(instance, cancellationToken);
        try
        {
            if (instance.DispatchToken != token || instance.Record is null)
            {
                return;
            }

            instance.DispatchToken = null;
            var record = instance.Record;
            if (WorkflowStatuses.IsTerminal(record.State.WorkflowStatus))
            {
                return;
            }

            var next = record.Clone();
            ApplyTurn(next, instance.DispatchedEvents!, instance.DispatchedInboxCount, response, effects);
            try
            {
                await SaveAsync(instance, next, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The turn is lost, not the instance: the same events are dispatched again.
                _logger.LogError(ex, "could not save the turn of workflow {InstanceId}; it will run again", record.InstanceId);
                string retryId = record.InstanceId;
                _timers.Schedule(_time.GetUtcNow() + EffectRetryDelay, () => MarkReadyAsync(retryId));
                return;
            }

            instance.Record = next;
            instance.Signal();
            MarkReady(instance);
            EvictLater(instance);
        }
        finally
        {
            instance.DispatchedEvents = null;
            instance.Gate.Release();
        }

        foreach (var effect in effects)
        {
            await effect();
        }
    }

    public async Task CompleteActivityAsync(ActivityResponse response, CancellationToken cancellationToken)
    {
        // The token stays outstanding until the result is saved: if saving fails, the worker's stream breaks and the
        // activity is handed out again instead of being lost.
        // As for turns, daprd keys a pending activity by instance id and task id, not by token.
        string token = string.IsNullOrEmpty(response.CompletionToken)
            ? _activityTokens.GetValueOrDefault(ActivityKey(response.InstanceId, response.TaskId)) ?? ""
            : response.CompletionToken;
        ActivityRequest? request = null;
        if (_outstanding.TryGetValue(token, out var dispatch) && dispatch.ActivityRequest is not null)
        {
            request = dispatch.ActivityRequest;
        }

        string instanceId = request?.WorkflowInstance.InstanceId ?? response.InstanceId;
        string? executionId = request?.WorkflowInstance.ExecutionId;
        var result = response.FailureDetails is null
            ? NewEvent(e => e.TaskCompleted = new TaskCompletedEvent { TaskScheduledId = response.TaskId, Result = response.Result, TaskExecutionId = request?.TaskExecutionId ?? "" })
            : NewEvent(e => e.TaskFailed = new TaskFailedEvent { TaskScheduledId = response.TaskId, FailureDetails = response.FailureDetails, TaskExecutionId = request?.TaskExecutionId ?? "" });
        await DeliverAsync(
            instanceId,
            result,
            record => (executionId is null || executionId == ExecutionIdOf(record)) && IsActivityPending(record, response.TaskId),
            cancellationToken);
        if (dispatch is not null && _outstanding.TryRemove(token, out _))
        {
            dispatch.Worker.Tokens.TryRemove(token, out _);
            _activityTokens.TryRemove(new KeyValuePair<string, string>(ActivityKey(dispatch.InstanceId, dispatch.ActivityRequest!.TaskId), token));
        }
    }

    private static string ActivityKey(string instanceId, int taskId) => string.Concat(instanceId, "/", taskId.ToString(System.Globalization.CultureInfo.InvariantCulture));

    // ---------------------------------------------------------------- turns

    private void ApplyTurn(WorkflowRecord next, List<HistoryEvent> newEvents, int inboxCount, WorkflowResponse response, List<Func<Task>> effects)
    {
        var now = Now();
        if (response.Version is not null && newEvents.Count > 0 && newEvents[0].WorkflowStarted is { } turnStarted)
        {
            // Patches the SDK evaluated this turn: recorded so IsPatched answers the same on replay.
            turnStarted.Version = response.Version;
        }

        next.History.AddRange(newEvents);
        next.Inbox.RemoveRange(0, Math.Min(inboxCount, next.Inbox.Count));
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
                    next.History.Add(NewEvent(action.Id, e => e.TaskScheduled = new TaskScheduledEvent { Name = task.Name, Version = task.Version, Input = task.Input, TaskExecutionId = task.TaskExecutionId }));
                    var activity = NewActivityRequest(instanceId, executionId, action.Id, task.Name, task.Version, task.Input, task.TaskExecutionId);
                    effects.Add(() => EnqueueAsync(new WorkEntry(instanceId, activity)).AsTask());
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

                    next.History.Add(NewEvent(action.Id, e => e.TimerCreated = created));
                    int timerId = action.Id;
                    var fireAt = timer.FireAt;
                    effects.Add(() =>
                    {
                        ScheduleTimer(instanceId, executionId, timerId, fireAt);
                        return Task.CompletedTask;
                    });
                    break;
                }

                case WorkflowAction.WorkflowActionTypeOneofCase.CreateChildWorkflow:
                {
                    var child = action.CreateChildWorkflow;
                    next.History.Add(NewEvent(action.Id, e => e.ChildWorkflowInstanceCreated = new ChildWorkflowInstanceCreatedEvent { InstanceId = child.InstanceId, Name = child.Name, Version = child.Version, Input = child.Input }));
                    var started = ChildStartedEvent(next, action.Id, child.InstanceId, child.Name, child.Version, child.Input);
                    effects.Add(() => CreateChildAsync(instanceId, action.Id, started));
                    break;
                }

                case WorkflowAction.WorkflowActionTypeOneofCase.CreateDetachedWorkflow:
                {
                    var detached = action.CreateDetachedWorkflow;
                    next.History.Add(NewEvent(action.Id, e => e.DetachedWorkflowInstanceCreated = new DetachedWorkflowInstanceCreatedEvent { InstanceId = detached.InstanceId }));
                    var request = new CreateInstanceRequest
                    {
                        InstanceId = detached.InstanceId,
                        Name = detached.Name,
                        Version = detached.Version,
                        Input = detached.Input,
                        ScheduledStartTimestamp = detached.ScheduledStartTimestamp,
                        ExecutionId = detached.ExecutionId,
                    };
                    effects.Add(() => RetryAsync(() => StartInstanceAsync(request, _stopping.Token), $"detached workflow {detached.InstanceId}"));
                    break;
                }

                case WorkflowAction.WorkflowActionTypeOneofCase.SendEvent:
                {
                    var send = action.SendEvent;
                    next.History.Add(NewEvent(action.Id, e => e.EventSent = new EventSentEvent { InstanceId = send.Instance.InstanceId, Name = send.Name, Input = send.Data }));
                    var raised = NewEvent(e => e.EventRaised = new EventRaisedEvent { Name = send.Name, Input = send.Data });
                    effects.Add(() => RetryAsync(() => DeliverAsync(send.Instance.InstanceId, raised, null, _stopping.Token), $"event {send.Name} to {send.Instance.InstanceId}"));
                    break;
                }

                case WorkflowAction.WorkflowActionTypeOneofCase.TerminateWorkflow:
                {
                    var terminate = action.TerminateWorkflow;
                    effects.Add(() => RetryAsync(() => TerminateAsync(terminate.InstanceId, terminate.Reason, terminate.Recurse, _stopping.Token), $"terminate {terminate.InstanceId}"));
                    break;
                }

                case WorkflowAction.WorkflowActionTypeOneofCase.CompleteWorkflow:
                    completion = action.CompleteWorkflow;
                    break;

                default:
                    _logger.LogWarning("workflow {InstanceId} returned an unsupported action {Action}", instanceId, action.WorkflowActionTypeCase);
                    break;
            }
        }

        if (completion is null)
        {
            return;
        }

        if (completion.WorkflowStatus == OrchestrationStatus.ContinuedAsNew)
        {
            ContinueAsNew(next, completion, now);
            return;
        }

        if (completion.WorkflowStatus == OrchestrationStatus.Stalled)
        {
            // Patch mismatch or missing version: the instance waits (non-terminal) until a fixed app replays it.
            next.History.Add(NewEvent(e => e.ExecutionStalled = new ExecutionStalledEvent { Reason = StalledReason.PatchMismatch, Description = completion.Details ?? "" }));
            next.State.WorkflowStatus = OrchestrationStatus.Stalled;
            return;
        }

        next.History.Add(NewEvent(e => e.ExecutionCompleted = new ExecutionCompletedEvent { WorkflowStatus = completion.WorkflowStatus, Result = completion.Result, FailureDetails = completion.FailureDetails }));
        next.State.WorkflowStatus = completion.WorkflowStatus;
        next.State.Output = completion.Result;
        next.State.FailureDetails = completion.FailureDetails;
        if (WorkflowStatuses.IsTerminal(completion.WorkflowStatus))
        {
            next.State.CompletedTimestamp = now;
            next.Inbox.Clear();
            var (parent, parentExecution, parentEvent) = ParentNotification(next);
            if (parent is not null)
            {
                effects.Add(() => DeliverToParentAsync(parent, parentExecution, parentEvent!, _stopping.Token));
            }
        }
    }

    private void ContinueAsNew(WorkflowRecord next, CompleteWorkflowAction completion, Timestamp now)
    {
        var previous = next.History.First(e => e.ExecutionStarted is not null).ExecutionStarted;
        var started = previous.Clone();
        started.Input = completion.Result;
        started.WorkflowInstance = new WorkflowInstance { InstanceId = next.InstanceId, ExecutionId = NewExecutionId() };
        started.ScheduledStartTimestamp = null;

        // Events the SDK kept for the next generation, then external events that arrived during this turn;
        // results of the old generation's activities and timers are dropped (they can no longer be awaited).
        var carried = completion.CarryoverEvents.Select(e => e.Clone())
            .Concat(next.Inbox.Where(e => e.EventRaised is not null))
            .ToList();
        next.History = [];
        next.Inbox = [NewEvent(e => e.ExecutionStarted = started), .. carried];
        next.State.WorkflowStatus = OrchestrationStatus.Running;
        next.State.Input = completion.Result;
        next.State.Output = null;
        next.State.CustomStatus = null;
        next.State.FailureDetails = null;
        next.State.ExecutionId = started.WorkflowInstance.ExecutionId;
        next.State.LastUpdatedTimestamp = now;
    }

    private async Task<WorkItem?> TryDispatchOrchestrationAsync(string instanceId, Worker worker)
    {
        if (!_instances.TryGetValue(instanceId, out var instance))
        {
            return null;
        }

        await EnterAsync(instance, CancellationToken.None);
        try
        {
            instance.Queued = false;
            var record = instance.Record;
            if (record is null || instance.DispatchToken is not null || record.Inbox.Count == 0
                || record.State.WorkflowStatus == OrchestrationStatus.Suspended
                || WorkflowStatuses.IsTerminal(record.State.WorkflowStatus))
            {
                return null;
            }

            if (record.History.Count == 0 && record.Inbox[0].ExecutionStarted?.ScheduledStartTimestamp is { } startAt
                && startAt.ToDateTimeOffset() > _time.GetUtcNow())
            {
                _timers.Schedule(startAt.ToDateTimeOffset(), () => MarkReadyAsync(instanceId));
                return null;
            }

            string token = Guid.NewGuid().ToString("N");
            var newEvents = new List<HistoryEvent>(record.Inbox.Count + 1) { NewEvent(e => e.WorkflowStarted = new WorkflowStartedEvent()) };
            newEvents.AddRange(record.Inbox.Select(e => e.Clone()));
            instance.DispatchToken = token;
            instance.DispatchedEvents = newEvents;
            instance.DispatchedInboxCount = record.Inbox.Count;
            var request = new WorkflowRequest { InstanceId = instanceId, ExecutionId = ExecutionIdOf(record) };
            request.PastEvents.AddRange(record.History);
            request.NewEvents.AddRange(newEvents);
            var dispatch = new Dispatch(instanceId, null, worker);
            _outstanding[token] = dispatch;
            worker.Tokens[token] = dispatch;
            return new WorkItem { WorkflowRequest = request, CompletionToken = token };
        }
        finally
        {
            instance.Gate.Release();
        }
    }

    private WorkItem DispatchActivity(WorkEntry entry, Worker worker)
    {
        string token = Guid.NewGuid().ToString("N");
        var dispatch = new Dispatch(entry.InstanceId, entry.ActivityRequest, worker);
        _outstanding[token] = dispatch;
        worker.Tokens[token] = dispatch;
        _activityTokens[ActivityKey(entry.InstanceId, entry.ActivityRequest!.TaskId)] = token;
        return new WorkItem { ActivityRequest = entry.ActivityRequest, CompletionToken = token };
    }

    /// <summary>Gives back what a departed worker held: turns are re-dispatched, activities re-queued.</summary>
    private async Task ReleaseAsync(Worker worker)
    {
        foreach (var (token, dispatch) in worker.Tokens)
        {
            worker.Tokens.TryRemove(token, out _);
            if (!_outstanding.TryRemove(token, out _))
            {
                continue;
            }

            if (dispatch.ActivityRequest is not null)
            {
                _activityTokens.TryRemove(new KeyValuePair<string, string>(ActivityKey(dispatch.InstanceId, dispatch.ActivityRequest.TaskId), token));
                await EnqueueAsync(new WorkEntry(dispatch.InstanceId, dispatch.ActivityRequest));
                continue;
            }

            if (_instances.TryGetValue(dispatch.InstanceId, out var instance))
            {
                await EnterAsync(instance, CancellationToken.None);
                try
                {
                    if (instance.DispatchToken == token)
                    {
                        instance.DispatchToken = null;
                        instance.DispatchedEvents = null;
                        MarkReady(instance);
                    }
                }
                finally
                {
                    instance.Gate.Release();
                }
            }
        }
    }

    // ---------------------------------------------------------------- instances, events, children

    private async Task CreateAsync(string instanceId, ExecutionStartedEvent started, string? parentInstanceId, CancellationToken cancellationToken)
    {
        var instance = _instances.GetOrAdd(instanceId, id => new Instance(id));
        await EnterAsync(instance, cancellationToken);
        try
        {
            await EnsureLoadedAsync(instance, cancellationToken);
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
                Inbox = [NewEvent(e => e.ExecutionStarted = started)],
                Revision = revision,
            };
            await SaveAsync(instance, record, cancellationToken);
            instance.Record = record;
            instance.DispatchToken = null;
            instance.Signal();
            MarkReady(instance);
        }
        finally
        {
            instance.Gate.Release();
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
                    var failure = NewEvent(e => e.ChildWorkflowInstanceFailed = new ChildWorkflowInstanceFailedEvent
                    {
                        TaskScheduledId = taskId,
                        FailureDetails = new TaskFailureDetails { ErrorType = "WorkflowAlreadyExists", ErrorMessage = ex.Status.Detail, IsNonRetriable = true },
                    });
                    await DeliverToParentAsync(parentId, started.ParentInstance?.WorkflowInstance?.ExecutionId, failure, _stopping.Token);
                }
            },
            $"create child workflow {started.WorkflowInstance.InstanceId} of {parentId}");

    /// <summary>Adds <paramref name="historyEvent"/> to the instance's inbox (when <paramref name="accept"/> agrees) and queues a turn.</summary>
    private async Task<Delivery> DeliverAsync(string instanceId, HistoryEvent historyEvent, Func<WorkflowRecord, bool>? accept, CancellationToken cancellationToken)
    {
        try
        {
            return await DeliverOnceAsync(instanceId, historyEvent, accept, cancellationToken);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.Aborted)
        {
            return await DeliverOnceAsync(instanceId, historyEvent, accept, cancellationToken);
        }
    }

    private async Task<Delivery> DeliverOnceAsync(string instanceId, HistoryEvent historyEvent, Func<WorkflowRecord, bool>? accept, CancellationToken cancellationToken)
    {
        var instance = await LoadAsync(instanceId, cancellationToken);
        await EnterAsync(instance, cancellationToken);
        try
        {
            var record = instance.Record;
            if (record is null)
            {
                return Delivery.NoInstance;
            }

            if (WorkflowStatuses.IsTerminal(record.State.WorkflowStatus) || (accept is not null && !accept(record)))
            {
                return Delivery.Ignored;
            }

            var next = record.Clone();
            next.Inbox.Add(historyEvent);
            next.State.LastUpdatedTimestamp = Now();
            await SaveAsync(instance, next, cancellationToken);
            instance.Record = next;
            MarkReady(instance);
            return Delivery.Delivered;
        }
        finally
        {
            instance.Gate.Release();
        }
    }

    /// <summary>
    /// Delivers a child's result to the run of the parent that created it (same execution id), once: a parent that
    /// continued as new or whose id was reused by a new run does not receive it.
    /// </summary>
    private Task DeliverToParentAsync(string parentId, string? parentExecutionId, HistoryEvent result, CancellationToken cancellationToken)
    {
        int taskId = result.ChildWorkflowInstanceCompleted?.TaskScheduledId ?? result.ChildWorkflowInstanceFailed.TaskScheduledId;
        return RetryAsync(
            () => DeliverAsync(parentId, result, parent => (string.IsNullOrEmpty(parentExecutionId) || ExecutionIdOf(parent) == parentExecutionId) && IsChildPending(parent, taskId), cancellationToken),
            $"child result to {parentId}");
    }

    private (string? Parent, string? ParentExecutionId, HistoryEvent? Result) ParentNotification(WorkflowRecord child)
    {
        var parent = child.History.FirstOrDefault(e => e.ExecutionStarted is not null)?.ExecutionStarted.ParentInstance;
        if (parent?.WorkflowInstance is null)
        {
            return (null, null, null);
        }

        var state = child.State;
        var result = state.WorkflowStatus == OrchestrationStatus.Completed
            ? NewEvent(e => e.ChildWorkflowInstanceCompleted = new ChildWorkflowInstanceCompletedEvent { TaskScheduledId = parent.TaskScheduledId, Result = state.Output })
            : NewEvent(e => e.ChildWorkflowInstanceFailed = new ChildWorkflowInstanceFailedEvent
            {
                TaskScheduledId = parent.TaskScheduledId,
                FailureDetails = state.FailureDetails ?? new TaskFailureDetails { ErrorType = "WorkflowTerminated", ErrorMessage = $"child workflow {child.InstanceId} was {state.WorkflowStatus}" },
            });
        return (parent.WorkflowInstance.InstanceId, parent.WorkflowInstance.ExecutionId, result);
    }

    private ExecutionStartedEvent ChildStartedEvent(WorkflowRecord parent, int taskId, string childId, string name, string? version, string? input) => new()
    {
        Name = name,
        Version = version,
        Input = input,
        WorkflowInstance = new WorkflowInstance { InstanceId = childId, ExecutionId = NewExecutionId() },
        ParentInstance = new ParentInstanceInfo
        {
            TaskScheduledId = taskId,
            Name = parent.State.Name,
            WorkflowInstance = new WorkflowInstance { InstanceId = parent.InstanceId, ExecutionId = ExecutionIdOf(parent) },
        },
    };

    private async Task<int> PurgeOneAsync(string instanceId, bool recursive, bool force, bool strict, CancellationToken cancellationToken)
    {
        var instance = await LoadAsync(instanceId, cancellationToken);
        List<string> children;
        await EnterAsync(instance, cancellationToken);
        try
        {
            var record = instance.Record;
            if (record is null)
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
            instance.DispatchToken = null;
            instance.Signal();
        }
        finally
        {
            instance.Gate.Release();
        }

        int count = 1;
        foreach (var child in children)
        {
            count += await PurgeOneAsync(child, recursive, force, strict: false, cancellationToken);
        }

        return count;
    }

    // ---------------------------------------------------------------- recovery

    private void ResumePendingWork(Instance instance)
    {
        var record = instance.Record!;
        string executionId = ExecutionIdOf(record);
        var events = record.History.Concat(record.Inbox).ToList();
        foreach (var e in record.History)
        {
            if (e.TaskScheduled is { } task && IsActivityPending(record, e.EventId))
            {
                var activity = NewActivityRequest(record.InstanceId, executionId, e.EventId, task.Name, task.Version, task.Input, task.TaskExecutionId);
                _queue.Writer.TryWrite(new WorkEntry(record.InstanceId, activity));
            }
            else if (e.TimerCreated is { } timer && !events.Any(x => x.TimerFired?.TimerId == e.EventId))
            {
                ScheduleTimer(record.InstanceId, executionId, e.EventId, timer.FireAt);
            }
        }

        if (record.Inbox.Count > 0)
        {
            MarkReady(instance);
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
                await CreateChildAsync(parentId, e.EventId, ChildStartedEvent(record, e.EventId, created.InstanceId, created.Name, created.Version, created.Input));
            }
            else if (WorkflowStatuses.IsTerminal(childRecord.State.WorkflowStatus))
            {
                var (parentOfChild, parentExecution, result) = ParentNotification(childRecord);
                if (parentOfChild == parentId)
                {
                    await DeliverToParentAsync(parentId, parentExecution, result!, cancellationToken);
                }
            }
        }
    }

    // ---------------------------------------------------------------- helpers

    private void ScheduleTimer(string instanceId, string executionId, int timerId, Timestamp fireAt)
    {
        var dueAt = fireAt.ToDateTimeOffset();
        if (dueAt >= NeverFires)
        {
            return;
        }

        _timers.Schedule(dueAt, () => DeliverAsync(
            instanceId,
            NewEvent(e => e.TimerFired = new TimerFiredEvent { FireAt = fireAt, TimerId = timerId }),
            record => ExecutionIdOf(record) == executionId && IsTimerPending(record, timerId),
            _stopping.Token));
    }

    /// <summary>
    /// Saves under the instance's gate. A revision conflict means another writer (a second engine on the same
    /// database) changed the row: the cached record is reloaded so the next attempt starts from the truth, and
    /// the caller sees <c>Aborted</c>.
    /// </summary>
    private async Task SaveAsync(Instance instance, WorkflowRecord next, CancellationToken cancellationToken)
    {
        try
        {
            await _store.SaveAsync(next, cancellationToken);
        }
        catch (WorkflowConcurrencyException ex)
        {
            instance.Record = await _store.LoadAsync(instance.Id, cancellationToken);
            throw new RpcException(new Status(StatusCode.Aborted, ex.Message));
        }
    }

    private async Task MarkReadyAsync(string instanceId)
    {
        var instance = await LoadAsync(instanceId, _stopping.Token);
        await EnterAsync(instance, _stopping.Token);
        try
        {
            MarkReady(instance);
        }
        finally
        {
            instance.Gate.Release();
        }
    }

    /// <summary>Queues a turn for the instance if it has events to process. Call under the instance's gate.</summary>
    private void MarkReady(Instance instance)
    {
        if (instance.Queued || instance.DispatchToken is not null || instance.Record is not { } record || record.Inbox.Count == 0
            || record.State.WorkflowStatus == OrchestrationStatus.Suspended)
        {
            return;
        }

        instance.Queued = true;
        _queue.Writer.TryWrite(new WorkEntry(instance.Id, null));
    }

    private ValueTask EnqueueAsync(WorkEntry entry) => _queue.Writer.WriteAsync(entry);

    private async Task<GetInstanceResponse> WaitForAsync(string instanceId, bool includePayloads, Func<OrchestrationStatus, bool> done, CancellationToken callerToken)
    {
        // A stopping sidecar ends the wait with Unavailable, which the SDK answers by waiting again (spec §5).
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(callerToken, _stopping.Token);
        try
        {
            return await WaitLoopAsync(instanceId, includePayloads, done, linked.Token);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested && !callerToken.IsCancellationRequested)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, "the workflow engine is stopping"));
        }
    }

    private async Task<GetInstanceResponse> WaitLoopAsync(string instanceId, bool includePayloads, Func<OrchestrationStatus, bool> done, CancellationToken cancellationToken)
    {
        var instance = await LoadAsync(instanceId, cancellationToken);
        while (true)
        {
            Task changed;
            WorkflowRecord? record;
            await EnterAsync(instance, cancellationToken);
            try
            {
                record = instance.Record;
                changed = instance.Changed;
            }
            finally
            {
                instance.Gate.Release();
            }

            if (record is not null && done(record.State.WorkflowStatus))
            {
                return Describe(record, includePayloads);
            }

            await changed.WaitAsync(cancellationToken);
        }
    }

    private static void ArgumentGuard(string instanceId)
    {
        if (string.IsNullOrEmpty(instanceId))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "instance id is required"));
        }
    }

    private async Task<Instance> LoadAsync(string instanceId, CancellationToken cancellationToken)
    {
        ArgumentGuard(instanceId);

        var instance = _instances.GetOrAdd(instanceId, id => new Instance(id));
        if (instance.Loaded)
        {
            return instance;
        }

        await instance.Gate.WaitAsync(cancellationToken);
        try
        {
            await EnsureLoadedAsync(instance, cancellationToken);
        }
        finally
        {
            instance.Gate.Release();
        }

        return instance;
    }

    /// <summary>Takes the instance's gate with its record loaded (a finished instance's record may have been evicted).</summary>
    private async Task EnterAsync(Instance instance, CancellationToken cancellationToken)
    {
        await instance.Gate.WaitAsync(cancellationToken);
        try
        {
            await EnsureLoadedAsync(instance, cancellationToken);
        }
        catch
        {
            instance.Gate.Release();
            throw;
        }
    }

    /// <summary>The instance's current record, read under its gate.</summary>
    private async Task<WorkflowRecord?> SnapshotAsync(string instanceId, CancellationToken cancellationToken)
    {
        var instance = _instances.GetOrAdd(instanceId, id => new Instance(id));
        await EnterAsync(instance, cancellationToken);
        try
        {
            return instance.Record;
        }
        finally
        {
            instance.Gate.Release();
        }
    }

    /// <summary>
    /// Drops a finished instance's record from memory a little after it finished (it is only read from then on,
    /// and the store has it), so a long-running sidecar does not keep every history it ever ran, while the reads
    /// that follow a completion (waiters, status checks) are still served from memory. Call under the gate.
    /// </summary>
    private void EvictLater(Instance instance)
    {
        if (instance.Record is not { } finished || !WorkflowStatuses.IsTerminal(finished.State.WorkflowStatus))
        {
            return;
        }

        long revision = finished.Revision;
        _timers.Schedule(_time.GetUtcNow() + FinishedRetention, async () =>
        {
            await instance.Gate.WaitAsync(_stopping.Token);
            try
            {
                // Still the same finished run (not purged, not replaced by a new run of the same id)?
                if (instance.Record is { } record && record.Revision == revision)
                {
                    instance.Record = null;
                    instance.Loaded = false;
                }
            }
            finally
            {
                instance.Gate.Release();
            }
        });
    }

    private async Task EnsureLoadedAsync(Instance instance, CancellationToken cancellationToken)
    {
        if (!instance.Loaded)
        {
            instance.Record = await _store.LoadAsync(instance.Id, cancellationToken);
            instance.Loaded = true;
        }
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

    private static bool IsActivityPending(WorkflowRecord record, int taskId) =>
        record.History.Any(e => e.TaskScheduled is not null && e.EventId == taskId)
        && !record.History.Concat(record.Inbox).Any(e => e.TaskCompleted?.TaskScheduledId == taskId || e.TaskFailed?.TaskScheduledId == taskId);

    private static bool IsTimerPending(WorkflowRecord record, int timerId) =>
        record.History.Any(e => e.TimerCreated is not null && e.EventId == timerId)
        && !record.History.Concat(record.Inbox).Any(e => e.TimerFired?.TimerId == timerId);

    private static bool IsChildPending(WorkflowRecord record, int taskId) =>
        record.History.Any(e => e.ChildWorkflowInstanceCreated is not null && e.EventId == taskId)
        && !record.History.Concat(record.Inbox).Any(e => e.ChildWorkflowInstanceCompleted?.TaskScheduledId == taskId || e.ChildWorkflowInstanceFailed?.TaskScheduledId == taskId);

    private static List<string> RunningChildren(WorkflowRecord record) =>
        record.History.Where(e => e.ChildWorkflowInstanceCreated is not null && IsChildPending(record, e.EventId))
            .Select(e => e.ChildWorkflowInstanceCreated.InstanceId).ToList();

    private static string ExecutionIdOf(WorkflowRecord record) =>
        record.History.Concat(record.Inbox).FirstOrDefault(e => e.ExecutionStarted is not null)?.ExecutionStarted.WorkflowInstance?.ExecutionId
        ?? record.State.ExecutionId ?? "";

    private static ActivityRequest NewActivityRequest(string instanceId, string executionId, int taskId, string name, string? version, string? input, string taskExecutionId) => new()
    {
        Name = name,
        Version = version,
        Input = input,
        WorkflowInstance = new WorkflowInstance { InstanceId = instanceId, ExecutionId = executionId },
        TaskId = taskId,
        TaskExecutionId = taskExecutionId,
    };

    /// <summary>
    /// Runs a side effect of a committed turn (deliver a child's result, create a child, send an event). A transient
    /// failure (typically the store) is retried every second, a bounded number of times; what is still undone after
    /// that is redone from history when the engine restarts.
    /// </summary>
    private async Task RetryAsync(Func<Task> action, string what, int attempt = 1)
    {
        try
        {
            await action();
        }
        catch (RpcException ex) when (ex.StatusCode is StatusCode.NotFound or StatusCode.InvalidArgument or StatusCode.AlreadyExists or StatusCode.FailedPrecondition)
        {
            _logger.LogWarning(ex, "workflow engine: {What} failed", what);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            if (attempt >= MaxEffectAttempts || _stopping.IsCancellationRequested)
            {
                _logger.LogError(ex, "workflow engine: {What} failed {Attempts} times; giving up until the engine restarts", what, attempt);
                return;
            }

            _logger.LogWarning(ex, "workflow engine: {What} failed (attempt {Attempt}); retrying", what, attempt);
            _timers.Schedule(_time.GetUtcNow() + EffectRetryDelay, () => RetryAsync(action, what, attempt + 1));
        }
    }

    private static string NewExecutionId() => Guid.NewGuid().ToString("N");

    private Timestamp Now() => Timestamp.FromDateTimeOffset(_time.GetUtcNow());

    private HistoryEvent NewEvent(Action<HistoryEvent> set) => NewEvent(-1, set);

    private HistoryEvent NewEvent(int eventId, Action<HistoryEvent> set)
    {
        var e = new HistoryEvent { EventId = eventId, Timestamp = Now() };
        set(e);
        return e;
    }

    private static RpcException NotFound(string instanceId) => new(new Status(StatusCode.NotFound, $"no workflow instance with ID '{instanceId}'"));

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _stopping.CancelAsync();
        _queue.Writer.TryComplete();
        await _dispatcher;
        await _timers.DisposeAsync();
        _stopping.Dispose();
    }

    private enum Delivery
    {
        Delivered,
        Ignored,
        NoInstance,
    }

    /// <summary>A queued unit of work: a turn of <see cref="InstanceId"/> (no request) or an activity to run.</summary>
    private sealed record WorkEntry(string InstanceId, ActivityRequest? ActivityRequest);

    private sealed record Dispatch(string InstanceId, ActivityRequest? ActivityRequest, Worker Worker);

    private sealed class Worker
    {
        /// <summary>Items handed to this worker and not completed yet (written to the stream or about to be).</summary>
        public ConcurrentDictionary<string, Dispatch> Tokens { get; } = new(StringComparer.Ordinal);

        public Channel<WorkItem> Items { get; } = Channel.CreateUnbounded<WorkItem>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });

        /// <summary>Set under the engine's worker lock when the stream ends; nothing is handed over after that.</summary>
        public bool Closed { get; set; }
    }

    private sealed class Instance(string id)
    {
        private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string Id { get; } = id;

        public SemaphoreSlim Gate { get; } = new(1, 1);

        public volatile bool Loaded;

        public WorkflowRecord? Record { get; set; }

        /// <summary>Completion token of the turn in flight; at most one per instance.</summary>
        public string? DispatchToken { get; set; }

        public List<HistoryEvent>? DispatchedEvents { get; set; }

        public int DispatchedInboxCount { get; set; }

        /// <summary>A turn is already in the queue; avoids queueing the same instance many times.</summary>
        public bool Queued { get; set; }

        public Task Changed => _changed.Task;

        public void Signal() => Interlocked.Exchange(ref _changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }
}
