using System.Collections.Concurrent;
using System.Globalization;
using System.Threading.Channels;
using Dapr.DurableTask.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace LedgerX.LocalDapr.Workflow;

/// <summary>
/// A turn of one instance: built under the instance's gate when it becomes ready (so handing it out needs no gate),
/// queued, handed to a worker under a lease, and finished by the first of: its result, its worker leaving, its lease
/// running out, or the instance being terminated or purged (<see cref="Cancelled"/>).
/// </summary>
internal sealed class TurnDispatch(string instanceId, string token, TurnInput input, WorkItem item)
{
    public string InstanceId { get; } = instanceId;

    public string Token { get; } = token;

    public TurnInput Input { get; } = input;

    public WorkItem Item { get; } = item;

    /// <summary>Set (under the instance's gate) when the turn no longer matters: it is skipped if still queued.</summary>
    public volatile bool Cancelled;
}

/// <summary>An activity to run; a fresh token is minted every time it is handed out.</summary>
internal sealed record ActivityDispatch(string InstanceId, ActivityRequest Request)
{
    /// <summary>Identifies one scheduled activity of one run (execution), to avoid queueing it twice on recovery.</summary>
    public string RunKey => string.Concat(InstanceId, "/", Request.WorkflowInstance.ExecutionId, "/", Request.TaskId.ToString(CultureInfo.InvariantCulture));
}

/// <summary>
/// Workers and the work handed to them. Connected <c>GetWorkItems</c> streams compete for one queue; each item goes to
/// the worker with the fewest unfinished items. The loop that hands items out never waits on an instance (turns are
/// prepared under their gate before they are queued), so a slow save of one instance delays no other. Every item
/// handed out is outstanding under its completion token until its result arrives; results without a token are
/// matched as daprd does (turn: instance id; activity: instance id + task id). A turn's lease bounds how long a
/// worker may hold it: when it runs out, or the worker leaves, the turn is given back to the engine to dispatch anew
/// and a late result with the old token is refused.
/// </summary>
internal sealed class WorkDispatcher : IAsyncDisposable
{
    private readonly Channel<object> _queue = Channel.CreateUnbounded<object>();
    private readonly ConcurrentDictionary<string, Handed> _outstanding = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _activityTokens = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _activitiesInFlight = new(StringComparer.Ordinal);
    private readonly Lock _workersGate = new();
    private readonly List<Worker> _connected = [];
    private readonly SemaphoreSlim _workerJoined = new(0, int.MaxValue);
    private readonly CancellationTokenSource _stopping = new();
    private readonly DurableTimers _timers;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Func<TurnDispatch, Task> _turnLost;
    private Task _loop = Task.CompletedTask;
    private int _nextWorker;

    /// <param name="turnLost">Called when a handed-out turn's worker left or its lease ran out (not when its result came).</param>
    public WorkDispatcher(TimeProvider time, DurableTimers timers, ILogger logger, Func<TurnDispatch, Task> turnLost)
    {
        _time = time;
        _timers = timers;
        _logger = logger;
        _turnLost = turnLost;
    }

    public TimeSpan TurnLease { get; set; } = TimeSpan.FromSeconds(60);

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

    public void Start() => _loop = Task.Run(LoopAsync);

    public void Enqueue(TurnDispatch turn) => _queue.Writer.TryWrite(turn);

    /// <summary>Queues an activity unless the same activity of the same run is already queued or out.</summary>
    public void Enqueue(ActivityDispatch activity)
    {
        if (_activitiesInFlight.TryAdd(activity.RunKey, 0))
        {
            _queue.Writer.TryWrite(activity);
        }
    }

    /// <summary>Takes the outstanding turn for this result: by token, or by the instance's current turn when the SDK sent none.</summary>
    public TurnDispatch? TakeTurn(string? token, TurnDispatch? currentOfInstance)
    {
        string key = string.IsNullOrEmpty(token) ? currentOfInstance?.Token ?? "" : token;
        if (key.Length > 0 && _outstanding.TryGetValue(key, out var handed) && handed.Turn is { } turn && _outstanding.TryRemove(key, out _))
        {
            handed.Worker.Tokens.TryRemove(key, out _);
            return turn;
        }

        return null;
    }

    /// <summary>The outstanding activity a result belongs to (by token, else by instance id + task id); it stays outstanding.</summary>
    public (string Token, ActivityDispatch Activity)? FindActivity(string? token, string instanceId, int taskId)
    {
        string key = string.IsNullOrEmpty(token) ? _activityTokens.GetValueOrDefault(ActivityKey(instanceId, taskId)) ?? "" : token;
        return key.Length > 0 && _outstanding.TryGetValue(key, out var handed) && handed.Activity is { } activity ? (key, activity) : null;
    }

    /// <summary>
    /// Marks a result (by its item's token) as being handled until the scope is disposed. A worker seen sending a result
    /// while another of its results is still being handled answers its items concurrently (as the .NET SDK does, each item on its own task):
    /// only for such a worker may the engine hold an activity result's acknowledgement until the turn it
    /// triggers is saved, since a worker that waits for each acknowledgement before taking its next item (a sequential
    /// SDK) would never send that turn's result meanwhile.
    /// </summary>
    public CompletionScope BeginCompletion(string? token)
    {
        if (string.IsNullOrEmpty(token) || !_outstanding.TryGetValue(token, out var handed))
        {
            return default;
        }

        var worker = handed.Worker;
        if (Interlocked.Increment(ref worker.Completing) > 1)
        {
            worker.AnswersConcurrently = true;
        }

        return new CompletionScope(worker);
    }

    /// <summary>The token under which the activity of <paramref name="instanceId"/> / <paramref name="taskId"/> is out, for results sent without one.</summary>
    public string? ActivityToken(string instanceId, int taskId) => _activityTokens.GetValueOrDefault(ActivityKey(instanceId, taskId));

    /// <summary>The activity's result is saved: it is no longer outstanding and will not be handed out again.</summary>
    public void ActivityDone(string token)
    {
        if (_outstanding.TryRemove(token, out var handed) && handed.Activity is { } activity)
        {
            handed.Worker.Tokens.TryRemove(token, out _);
            _activityTokens.TryRemove(new KeyValuePair<string, string>(ActivityKey(activity.InstanceId, activity.Request.TaskId), token));
            _activitiesInFlight.TryRemove(activity.RunKey, out _);
        }
    }

    /// <summary>Serves one <c>GetWorkItems</c> stream until the worker goes away; what it held goes back to the queue.</summary>
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
                    idle.CancelAfter(healthPings ? WorkflowEngine.HealthPingInterval : Timeout.InfiniteTimeSpan);
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

    private async Task LoopAsync()
    {
        try
        {
            while (!_stopping.IsCancellationRequested)
            {
                var entry = await _queue.Reader.ReadAsync(_stopping.Token);
                if (entry is TurnDispatch { Cancelled: true })
                {
                    continue;
                }

                var worker = await PickWorkerAsync();
                string token = entry is TurnDispatch turn ? turn.Token : Guid.NewGuid().ToString("N");
                var handed = entry is TurnDispatch t ? new Handed(worker, t, null) : new Handed(worker, null, (ActivityDispatch)entry);
                var item = handed.Turn?.Item ?? new WorkItem { ActivityRequest = handed.Activity!.Request, CompletionToken = token };
                _outstanding[token] = handed;
                worker.Tokens[token] = handed;
                if (handed.Activity is { } activity)
                {
                    _activityTokens[ActivityKey(activity.InstanceId, activity.Request.TaskId)] = token;
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
                    continue;
                }

                if (handed.Turn is { } leased)
                {
                    _timers.Schedule(_time.GetUtcNow() + TurnLease, () => ExpireLeaseAsync(leased));
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

    private async Task ExpireLeaseAsync(TurnDispatch turn)
    {
        if (_outstanding.TryRemove(turn.Token, out var handed))
        {
            handed.Worker.Tokens.TryRemove(turn.Token, out _);
            if (!turn.Cancelled)
            {
                _logger.LogWarning("workflow {InstanceId}: its worker did not complete the turn within {Lease}; dispatching it again", turn.InstanceId, TurnLease);
                await _turnLost(turn);
            }
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

    /// <summary>Gives back what a departed worker held: turns to the engine (to dispatch anew), activities to the queue.</summary>
    private async Task ReleaseAsync(Worker worker)
    {
        foreach (var (token, handed) in worker.Tokens)
        {
            worker.Tokens.TryRemove(token, out _);
            if (!_outstanding.TryRemove(token, out _))
            {
                continue;
            }

            if (handed.Activity is { } activity)
            {
                _activityTokens.TryRemove(new KeyValuePair<string, string>(ActivityKey(activity.InstanceId, activity.Request.TaskId), token));
                _queue.Writer.TryWrite(activity);
            }
            else if (handed.Turn is { Cancelled: false } turn)
            {
                await _turnLost(turn);
            }
        }
    }

    private static string ActivityKey(string instanceId, int taskId) => string.Concat(instanceId, "/", taskId.ToString(CultureInfo.InvariantCulture));

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _queue.Writer.TryComplete();
        await _loop;
        _stopping.Dispose();
    }

    internal sealed record Handed(Worker Worker, TurnDispatch? Turn, ActivityDispatch? Activity);

    /// <summary>A result being handled (see <see cref="BeginCompletion"/>); dispose when its handling ends.</summary>
    internal readonly struct CompletionScope(Worker? worker) : IDisposable
    {
        /// <summary>The result's worker has been seen answering items concurrently.</summary>
        public bool WorkerAnswersConcurrently => worker is { AnswersConcurrently: true, Closed: false };

        public void Dispose()
        {
            if (worker is not null)
            {
                Interlocked.Decrement(ref worker.Completing);
            }
        }
    }

    internal sealed class Worker
    {
        /// <summary>Results of this worker's items being handled now.</summary>
        public int Completing;

        /// <summary>Set once a result arrived while another was being handled; never cleared for this stream.</summary>
        public volatile bool AnswersConcurrently;

        /// <summary>Items handed to this worker and not completed yet (written to the stream or about to be).</summary>
        public ConcurrentDictionary<string, Handed> Tokens { get; } = new(StringComparer.Ordinal);

        public Channel<WorkItem> Items { get; } = Channel.CreateUnbounded<WorkItem>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });

        /// <summary>Set under the dispatcher's worker lock when the stream ends; nothing is handed over after that.</summary>
        public volatile bool Closed;
    }
}
