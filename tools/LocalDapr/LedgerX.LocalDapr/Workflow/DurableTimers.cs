using Microsoft.Extensions.Logging;

namespace LedgerX.LocalDapr.Workflow;

/// <summary>
/// In-memory schedule of due times. The durable part of a timer is its <c>TimerCreated</c> event in the
/// history; this queue is rebuilt from histories when the engine starts, so a restart loses nothing. It sleeps on
/// the injected <see cref="TimeProvider"/> until the earliest due time or a new, earlier entry, so a fake clock
/// drives it in tests and nothing polls.
/// </summary>
internal sealed class DurableTimers : IAsyncDisposable
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    private readonly Lock _gate = new();
    private readonly PriorityQueue<Func<Task>, DateTimeOffset> _due = new();
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private TaskCompletionSource _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task _loop = Task.CompletedTask;

    public DurableTimers(TimeProvider time, ILogger logger)
    {
        _time = time;
        _logger = logger;
    }

    public void Start() => _loop = Task.Run(LoopAsync);

    public void Schedule(DateTimeOffset dueAt, Func<Task> fire)
    {
        lock (_gate)
        {
            _due.Enqueue(fire, dueAt);
        }

        // Wakes the loop if it sleeps towards a later time (or forever).
        Interlocked.Exchange(ref _wake, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            // Taken before looking at the queue: a Schedule after this point completes it, so no wake-up is missed.
            var wake = Volatile.Read(ref _wake).Task;
            var ready = new List<Func<Task>>();
            TimeSpan sleep = Timeout.InfiniteTimeSpan;
            lock (_gate)
            {
                var now = _time.GetUtcNow();
                while (_due.TryPeek(out var fire, out var dueAt))
                {
                    if (dueAt > now)
                    {
                        sleep = dueAt - now;
                        break;
                    }

                    _due.Dequeue();
                    ready.Add(fire);
                }
            }

            foreach (var fire in ready)
            {
                _ = Task.Run(() => FireAsync(fire));
            }

            if (ready.Count > 0)
            {
                continue;
            }

            using var sleeping = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            try
            {
                await Task.WhenAny(wake, Task.Delay(sleep, _time, sleeping.Token));
            }
            finally
            {
                // Cancels the provider's timer when a new entry woke the loop first.
                await sleeping.CancelAsync();
            }
        }
    }

    private async Task FireAsync(Func<Task> fire)
    {
        try
        {
            await fire();
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !_stop.IsCancellationRequested)
        {
            // Typically the store is unreachable; a timer is never dropped, only delayed.
            _logger.LogWarning(ex, "workflow timer failed; firing it again in {Delay}", RetryDelay);
            Schedule(_time.GetUtcNow() + RetryDelay, fire);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        Interlocked.Exchange(ref _wake, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        await _loop;
        _stop.Dispose();
    }
}
