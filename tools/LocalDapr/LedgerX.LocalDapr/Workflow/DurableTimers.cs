using Microsoft.Extensions.Logging;

namespace LedgerX.LocalDapr.Workflow;

/// <summary>
/// In-memory schedule of due times. The durable part of a timer is its <c>TimerCreated</c> event in the
/// history; this queue is rebuilt from histories when the engine starts, so a restart loses nothing.
/// </summary>
internal sealed class DurableTimers : IAsyncDisposable
{
    // Longest single sleep; bounds how late a timer can fire if a wake-up signal were ever missed.
    private static readonly TimeSpan MaxSleep = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    private readonly Lock _gate = new();
    private readonly PriorityQueue<Func<Task>, DateTimeOffset> _due = new();
    private readonly SemaphoreSlim _wake = new(0, int.MaxValue);
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
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

        _wake.Release();
    }

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var ready = new List<Func<Task>>();
            TimeSpan sleep = MaxSleep;
            lock (_gate)
            {
                var now = _time.GetUtcNow();
                while (_due.TryPeek(out var fire, out var dueAt))
                {
                    if (dueAt > now)
                    {
                        sleep = TimeSpan.FromTicks(Math.Min(MaxSleep.Ticks, (dueAt - now).Ticks));
                        break;
                    }

                    _due.Dequeue();
                    ready.Add(fire);
                }
            }

            foreach (var fire in ready)
            {
                _ = Task.Run(async () =>
                {
                    try
                    {
                        await fire();
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        // Typically the store is unreachable; a timer is never dropped, only delayed.
                        _logger.LogWarning(ex, "workflow timer failed; firing it again in {Delay}", RetryDelay);
                        Schedule(_time.GetUtcNow() + RetryDelay, fire);
                    }
                });
            }

            if (ready.Count > 0)
            {
                continue;
            }

            try
            {
                await _wake.WaitAsync(sleep, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
        _wake.Dispose();
    }
}
