using Dapr.DurableTask.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using static LedgerX.LocalDapr.Workflow.WorkflowHistory;

namespace LedgerX.LocalDapr.Workflow;

/// <summary>
/// A durable-task engine speaking Dapr's <c>TaskHubSidecarService</c> semantics (durabletask-go's backend as daprd's pkg/runtime/wfengine hosts it), the role daprd's
/// actor-backed workflow engine plays. The app's SDK runs the orchestrator code; this engine keeps each instance's
/// history, turns arriving events into orchestrator work items (full <c>pastEvents</c> + the new events), applies
/// the returned actions and persists every step before acknowledging it.
/// <para>
/// It is split along its seams: <see cref="InstanceTable"/> (gates, cached records, eviction),
/// <see cref="TurnApplier"/> (the pure (record, result) → (next record, effects) function), <see cref="WorkDispatcher"/>
/// (workers, tokens, leases), <see cref="DurableTimers"/>, and this class: the turn cycle and effects here, the
/// client operations in <c>WorkflowEngine.Management.cs</c>, start-up and re-arming in <c>WorkflowEngine.Recovery.cs</c>,
/// saving and delivering events to an inbox in <c>WorkflowEngine.Saving.cs</c>.
/// </para>
/// <para>
/// A save that fails may still have committed (a connection lost mid-write): the instance is then reloaded from
/// the store and its pending work re-armed from history, so a turn that did commit never loses its effects, and a
/// turn that did not is dispatched again.
/// </para>
/// </summary>
public sealed partial class WorkflowEngine : IAsyncDisposable
{
    /// <summary>How long a worker stream may stay idle before it is sent a health ping.</summary>
    public static readonly TimeSpan HealthPingInterval = TimeSpan.FromSeconds(10);

    /// <summary>Default and maximum page size of ListInstanceIDs.</summary>
    public const int MaxListPageSize = 1000;

    // Side effects of a committed turn (create a child, deliver a result, send an event) are retried with a growing
    // delay capped low (a database restart takes seconds and every stuck instance waits for the next attempt), a
    // bounded number of times (about 15 minutes in all); what is still undone then is re-armed from history when the
    // instance is next reloaded or the engine restarts.
    private const int MaxEffectAttempts = 180;
    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(5);

    private readonly IWorkflowStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly InstanceTable _table;
    private readonly WorkDispatcher _dispatcher;
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
        _table = new InstanceTable(store, _time) { OnReloaded = ResumePendingWork };
        _dispatcher = new WorkDispatcher(_time, _timers, _logger, OnTurnLostAsync);
    }

    /// <summary>How long a finished instance stays in memory (for waiters and status reads) before only the store has it.</summary>
    public TimeSpan FinishedRetention { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a worker may hold a turn before it is handed to a worker again (a worker that stalls mid-turn while
    /// staying connected would otherwise wedge its instance). Turns take milliseconds; the default leaves room for
    /// replaying long histories on a busy machine.
    /// </summary>
    public TimeSpan TurnLease
    {
        get => _dispatcher.TurnLease;
        init => _dispatcher.TurnLease = value > TimeSpan.Zero ? value : throw new ArgumentOutOfRangeException(nameof(value), "the turn lease must be positive");
    }

    /// <summary>
    /// How long an activity result may wait unsaved for the turn it triggers, so that both are saved in one write (see
    /// <see cref="DeliverAsync"/>). The turn normally comes back within milliseconds; this bounds the wait when it does
    /// not (a slow or vanished worker, a loaded machine), after which the result is saved on its own, as it would have
    /// been at once. Short, because whatever waits on the acknowledgement in the worker waits this long at worst: under a
    /// burst at load 60-85, 250 ms let turns' results queue behind acknowledgements until the window ended.
    /// </summary>
    public TimeSpan ResultSaveWindow { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Number of worker streams (GetWorkItems) connected now.</summary>
    public int ConnectedWorkers => _dispatcher.ConnectedWorkers;

    /// <summary>Instances held in memory now (running ones, and finished ones within their retention).</summary>
    internal int InstancesInMemory => _table.Count;

    /// <summary>Serves one <c>GetWorkItems</c> stream until the worker goes away; what it held is handed out again.</summary>
    public Task RunWorkerAsync(IServerStreamWriter<WorkItem> writer, bool healthPings, CancellationToken cancellationToken) =>
        _dispatcher.RunWorkerAsync(writer, healthPings, cancellationToken);

    // ---------------------------------------------------------------- turn results

    public async Task CompleteOrchestratorAsync(WorkflowResponse response, CancellationToken cancellationToken)
    {
        // An empty token (SDKs other than .NET's) means "the turn in flight for this instance", as in daprd.
        var current = string.IsNullOrEmpty(response.CompletionToken) && !string.IsNullOrEmpty(response.InstanceId) && _table.TryPeek(response.InstanceId, out var peeked)
            ? peeked.Turn
            : null;
        using var completing = _dispatcher.BeginCompletion(string.IsNullOrEmpty(response.CompletionToken) ? current?.Token : response.CompletionToken);
        var turn = _dispatcher.TakeTurn(response.CompletionToken, current);
        if (turn is null)
        {
            _logger.LogDebug("ignoring a result for workflow {InstanceId}: its turn is no longer outstanding (unknown or stale token, lease expired)", response.InstanceId);
            return;
        }

        IReadOnlyList<TurnEffect> effects;
        InstanceScope scope;
        try
        {
            // The engine's token, not the caller's: whether a turn commits must not depend on the worker's call staying open.
            scope = await _table.EnterAsync(turn.InstanceId, _stopping.Token);
        }
        catch (Exception ex) when (!_stopping.IsCancellationRequested)
        {
            _logger.LogWarning(ex, "workflow {InstanceId}: could not load it to apply a turn; the turn will run again", turn.InstanceId);
            _timers.Schedule(_time.GetUtcNow() + FirstRetryDelay, () => OnTurnLostAsync(turn));
            return;
        }

        using (scope)
        {
            var instance = scope.Instance;
            if (instance.Turn != turn || instance.Record is not { } record)
            {
                return;
            }

            instance.Turn = null;
            if (WorkflowStatuses.IsTerminal(record.State.WorkflowStatus))
            {
                return;
            }

            var outcome = TurnApplier.Apply(record, turn.Input, response, Now(), NewExecutionId);
            if (!await TrySaveAsync(instance, outcome.Next))
            {
                return;
            }

            instance.Record = outcome.Next;
            instance.Signal();
            MarkReady(instance);
            FinishedLater(instance);
            effects = outcome.Effects;
        }

        await RunEffectsAsync(effects);
    }

    public async Task CompleteActivityAsync(ActivityResponse response, CancellationToken cancellationToken)
    {
        using var completing = _dispatcher.BeginCompletion(string.IsNullOrEmpty(response.CompletionToken) ? _dispatcher.ActivityToken(response.InstanceId, response.TaskId) : response.CompletionToken);
        var found = _dispatcher.FindActivity(response.CompletionToken, response.InstanceId, response.TaskId);
        var request = found?.Activity.Request;
        string instanceId = request?.WorkflowInstance.InstanceId ?? response.InstanceId;
        string? executionId = request?.WorkflowInstance.ExecutionId;
        var result = response.FailureDetails is null
            ? NewEvent(Now(), e => e.TaskCompleted = new TaskCompletedEvent { TaskScheduledId = response.TaskId, Result = response.Result, TaskExecutionId = request?.TaskExecutionId ?? "" })
            : NewEvent(Now(), e => e.TaskFailed = new TaskFailedEvent { TaskScheduledId = response.TaskId, FailureDetails = response.FailureDetails, TaskExecutionId = request?.TaskExecutionId ?? "" });

        // The engine owns the result from here: if the store refuses it now, the engine keeps retrying (the worker
        // is not told to run the activity again), and the activity stays outstanding until the result is saved.
        // A worker that answers concurrently is acknowledged once the result is saved together with the turn it triggers.
        bool saveWithTurn = completing.WorkerAnswersConcurrently;
        await RetryAsync(
            async () =>
            {
                await DeliverAsync(
                    instanceId,
                    result,
                    record => (executionId is null || executionId == ExecutionIdOf(record)) && IsActivityPending(record, response.TaskId),
                    _stopping.Token,
                    saveWithTurn);
                if (found is { } done)
                {
                    _dispatcher.ActivityDone(done.Token);
                }
            },
            $"result of activity {response.TaskId} of {instanceId}");
    }

    /// <summary>A handed-out turn came back without a result (worker left, lease ran out, or it could not be applied): dispatch it anew.</summary>
    private async Task OnTurnLostAsync(TurnDispatch turn)
    {
        using var scope = await _table.EnterAsync(turn.InstanceId, _stopping.Token);
        var instance = scope.Instance;
        if (instance.Turn == turn)
        {
            instance.Turn = null;
            MarkReady(instance);
        }
    }

    // ---------------------------------------------------------------- readiness

    /// <summary>
    /// Queues a turn for the instance if it has events to process and none in flight. Call under the instance's gate.
    /// The work item is built here, so the dispatcher hands it out without waiting on any instance.
    /// </summary>
    private void MarkReady(InstanceEntry instance)
    {
        if (instance.Turn is not null || instance.Record is not { } record || record.Inbox.Count == 0
            || record.State.WorkflowStatus == OrchestrationStatus.Suspended
            || WorkflowStatuses.IsTerminal(record.State.WorkflowStatus))
        {
            return;
        }

        if (record.History.Count == 0 && record.Inbox[0].ExecutionStarted?.ScheduledStartTimestamp is { } startAt
            && startAt.ToDateTimeOffset() > _time.GetUtcNow())
        {
            string id = instance.Id;
            _timers.Schedule(startAt.ToDateTimeOffset(), () => MarkReadyAsync(id));
            return;
        }

        string token = Guid.NewGuid().ToString("N");
        var newEvents = new List<HistoryEvent>(record.Inbox.Count + 1) { NewEvent(Now(), e => e.WorkflowStarted = new WorkflowStartedEvent()) };
        newEvents.AddRange(record.Inbox.Select(e => e.Clone()));
        var request = new WorkflowRequest { InstanceId = instance.Id, ExecutionId = ExecutionIdOf(record) };
        request.PastEvents.AddRange(record.History);
        request.NewEvents.AddRange(newEvents);
        var turn = new TurnDispatch(instance.Id, token, new TurnInput(newEvents, record.Inbox.Count), new WorkItem { WorkflowRequest = request, CompletionToken = token });
        instance.Turn = turn;
        _dispatcher.Enqueue(turn);
    }

    private async Task MarkReadyAsync(string instanceId)
    {
        using var scope = await _table.EnterAsync(instanceId, _stopping.Token);
        MarkReady(scope.Instance);
    }

    /// <summary>Drops the turn in flight (terminate, purge, reload): a late result for it is refused. Call under the gate.</summary>
    private static void CancelTurn(InstanceEntry instance)
    {
        if (instance.Turn is { } turn)
        {
            turn.Cancelled = true;
            instance.Turn = null;
        }
    }

    /// <summary>
    /// Lets a finished instance leave memory after <see cref="FinishedRetention"/>, so a long-running sidecar does not
    /// keep every history it ran, while the reads that follow a completion are still served from memory. Call under the gate.
    /// </summary>
    private void FinishedLater(InstanceEntry instance)
    {
        if (instance.Record is not { } finished || !WorkflowStatuses.IsTerminal(finished.State.WorkflowStatus))
        {
            return;
        }

        var evictAt = _time.GetUtcNow() + FinishedRetention;
        instance.EvictAfter = evictAt;
        string id = instance.Id;
        _timers.Schedule(evictAt, () =>
        {
            _table.EvictIfIdle(id);
            return Task.CompletedTask;
        });
    }

    // ---------------------------------------------------------------- effects

    private async Task RunEffectsAsync(IReadOnlyList<TurnEffect> effects)
    {
        foreach (var effect in effects)
        {
            switch (effect)
            {
                case ScheduleActivity a:
                    _dispatcher.Enqueue(new ActivityDispatch(a.Request.WorkflowInstance.InstanceId, a.Request));
                    break;
                case ScheduleTimer t:
                    ArmTimer(t.InstanceId, t.ExecutionId, t.TimerId, t.FireAt);
                    break;
                case CreateChild c:
                    await CreateChildAsync(c.ParentId, c.TaskId, c.Started);
                    break;
                case StartDetached d:
                    await RetryAsync(() => StartInstanceAsync(d.Request, _stopping.Token), $"detached workflow {d.Request.InstanceId}");
                    break;
                case SendEvent s:
                    await RetryAsync(() => DeliverAsync(s.TargetInstanceId, s.Event, null, _stopping.Token), $"event {s.Name} to {s.TargetInstanceId}");
                    break;
                case TerminateOther x:
                    await RetryAsync(() => TerminateAsync(x.InstanceId, x.Reason, x.Recurse, _stopping.Token), $"terminate {x.InstanceId}");
                    break;
                case NotifyParent p:
                    await DeliverToParentAsync(p.ParentId, p.ParentExecutionId, p.Result);
                    break;
                case UnsupportedAction u:
                    _logger.LogWarning("a workflow returned an unsupported action {Action}; it is ignored", u.Action);
                    break;
                default:
                    throw new InvalidOperationException($"unknown turn effect {effect}");
            }
        }
    }

    private void ArmTimer(string instanceId, string executionId, int timerId, Timestamp fireAt)
    {
        if (!TurnApplier.Fires(fireAt))
        {
            return;
        }

        _timers.Schedule(fireAt.ToDateTimeOffset(), () => DeliverAsync(
            instanceId,
            NewEvent(Now(), e => e.TimerFired = new TimerFiredEvent { FireAt = fireAt, TimerId = timerId }),
            record => ExecutionIdOf(record) == executionId && IsTimerPending(record, timerId),
            _stopping.Token));
    }

    /// <summary>
    /// Runs a side effect of a committed turn. A transient failure (typically the store) is retried with a growing
    /// delay; a refusal that cannot change (no such instance, already exists, bad request) is logged and dropped.
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
        catch (Exception ex) when (!_stopping.IsCancellationRequested)
        {
            if (attempt >= MaxEffectAttempts)
            {
                _logger.LogError(ex, "workflow engine: {What} failed {Attempts} times; giving up until the instance is reloaded or the engine restarts", what, attempt);
                return;
            }

            var delay = TimeSpan.FromTicks(Math.Min(MaxRetryDelay.Ticks, FirstRetryDelay.Ticks << Math.Min(attempt - 1, 3)));
            _logger.LogWarning(ex, "workflow engine: {What} failed (attempt {Attempt}); retrying in {Delay}", what, attempt, delay);
            _timers.Schedule(_time.GetUtcNow() + delay, () => RetryAsync(action, what, attempt + 1));
        }
    }

    private Timestamp Now() => Timestamp.FromDateTimeOffset(_time.GetUtcNow());

    private static void ArgumentGuard(string instanceId)
    {
        if (string.IsNullOrEmpty(instanceId))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "instance id is required"));
        }
    }

    private static RpcException NotFound(string instanceId) => new(new Status(StatusCode.NotFound, $"no workflow instance with ID '{instanceId}'"));

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _stopping.CancelAsync();
        await _dispatcher.DisposeAsync();
        await _timers.DisposeAsync();
        _stopping.Dispose();
    }

    private enum Delivery
    {
        Delivered,
        Ignored,
        NoInstance,
    }
}
