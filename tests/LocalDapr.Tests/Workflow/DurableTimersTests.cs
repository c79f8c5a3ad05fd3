using LedgerX.LocalDapr.Workflow;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace LedgerX.LocalDapr.Tests.Workflow;

/// <summary>Durable timers sleep on the injected clock: a fake clock alone decides when they fire.</summary>
public sealed class DurableTimersTests
{
    private static CancellationToken Ct => WorkflowTestTimeout.Token;

    [Fact]
    public async Task A_timer_sleeps_on_the_injected_time_provider_until_its_due_time()
    {
        var time = new RecordingTimeProvider(DateTimeOffset.UtcNow);
        await using var timers = new DurableTimers(time, NullLogger.Instance);
        timers.Start();
        var fired = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        timers.Schedule(time.GetUtcNow().AddHours(1), () =>
        {
            fired.TrySetResult();
            return Task.CompletedTask;
        });
        await WaitUntilAsync(() => time.DueTimes.Contains(TimeSpan.FromHours(1)));

        fired.Task.IsCompleted.ShouldBeFalse();
        time.Advance(TimeSpan.FromHours(1));
        await fired.Task.WaitAsync(Ct);
    }

    [Fact]
    public async Task An_earlier_timer_scheduled_while_sleeping_towards_a_later_one_fires_first()
    {
        var time = new RecordingTimeProvider(DateTimeOffset.UtcNow);
        await using var timers = new DurableTimers(time, NullLogger.Instance);
        timers.Start();
        var order = new List<string>();
        var both = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Func<Task> Record(string name) => () =>
        {
            lock (order)
            {
                order.Add(name);
                if (order.Count == 2)
                {
                    both.TrySetResult();
                }
            }

            return Task.CompletedTask;
        };

        timers.Schedule(time.GetUtcNow().AddMinutes(10), Record("late"));
        timers.Schedule(time.GetUtcNow().AddMinutes(1), Record("early"));
        await WaitUntilAsync(() => time.DueTimes.Contains(TimeSpan.FromMinutes(1)));
        time.Advance(TimeSpan.FromMinutes(1));
        await WaitUntilAsync(() => time.DueTimes.Contains(TimeSpan.FromMinutes(9)));

        time.Advance(TimeSpan.FromMinutes(9));
        await both.Task.WaitAsync(Ct);
        order.ShouldBe(["early", "late"]);
    }

    // Waits (bounded) for the timers' loop to reach a state; never a timing assertion.
    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var within = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        within.CancelAfter(TimeSpan.FromSeconds(10));
        while (!condition())
        {
            await Task.Delay(10, within.Token);
        }
    }

    /// <summary>A fake clock that remembers the due time of every timer created on it.</summary>
    private sealed class RecordingTimeProvider(DateTimeOffset start) : FakeTimeProvider(start)
    {
        private readonly System.Collections.Concurrent.ConcurrentBag<TimeSpan> _dueTimes = [];

        public IReadOnlyCollection<TimeSpan> DueTimes => _dueTimes;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            _dueTimes.Add(dueTime);
            return base.CreateTimer(callback, state, dueTime, period);
        }
    }
}
