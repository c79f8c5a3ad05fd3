using System.Collections.Concurrent;
using System.Diagnostics;

namespace LedgerX.Cli.Load;

/// <summary>
/// Runs one scenario with k6's executor semantics. Arrival-rate executors are open loop: a scheduler wakes every
/// millisecond and starts the iterations the schedule says are due on idle VUs, whatever earlier iterations are doing;
/// with no idle VU it allocates one up to maxVUs (instantly: a VU here is an object, not a JavaScript runtime, so the
/// iteration k6 would drop while initialising it can start), and past maxVUs the iteration is dropped and counted in
/// <c>dropped_iterations</c>. VU executors are closed loop: each VU starts its next iteration when the last one ended.
/// After the schedule, iterations in flight get <c>gracefulStop</c> to finish, then are interrupted.
/// </summary>
internal sealed class ScenarioExecutor(ScenarioContext context, TimeProvider clock)
{
    /// <summary>The scheduler's wake-up interval: at 1,000/s one iteration per wake-up.</summary>
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(1);

    /// <summary>How often an idle closed-loop VU beyond the ramp's current target looks again.</summary>
    private static readonly TimeSpan RampPoll = TimeSpan.FromMilliseconds(20);

    /// <summary>Interrupted iterations end at their next await; this bounds the wait for them.</summary>
    private static readonly TimeSpan InterruptBound = TimeSpan.FromSeconds(10);

    private int _inFlight;
    private Exception? _fault;

    private ScenarioSpec Spec => context.Spec;

    public async Task RunAsync(CancellationToken abort)
    {
        try
        {
            await Task.Delay(Spec.StartTime, clock, abort);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        using var interrupt = CancellationTokenSource.CreateLinkedTokenSource(abort);
        if (Spec.IsOpenLoop)
        {
            await ArrivalRateAsync(abort, interrupt.Token);
        }
        else
        {
            await VusAsync(abort, interrupt.Token);
        }
        await GracefulStopAsync(interrupt);
        if (_fault is not null)
        {
            throw new InvalidOperationException($"scenario {Spec.Name}: an iteration failed unexpectedly", _fault);
        }
    }

    private async Task ArrivalRateAsync(CancellationToken abort, CancellationToken interrupt)
    {
        // First in, first out (as k6's VU channel): idle VUs take turns, so the users they play share the load
        // instead of the most recently freed VU (one user, one rate budget) taking every iteration.
        var idle = new ConcurrentQueue<VirtualUser>();
        var allocated = 0;
        for (; allocated < Spec.PreAllocatedVus; allocated++)
        {
            idle.Enqueue(new VirtualUser(allocated, context));
        }
        context.Counters.VusAllocated(allocated);
        var start = Stopwatch.GetTimestamp();
        long started = 0;
        while (!abort.IsCancellationRequested)
        {
            var elapsed = Stopwatch.GetElapsedTime(start);
            var due = (long)Math.Floor(ArrivalSchedule.IterationsDue(Spec, elapsed));
            for (; started < due; started++)
            {
                if (!idle.TryDequeue(out var vu))
                {
                    if (allocated >= Spec.MaxVus)
                    {
                        context.Counters.Drop();
                        continue;
                    }
                    vu = new VirtualUser(allocated++, context);
                    context.Counters.VusAllocated(allocated);
                }
                Launch(vu, idle, interrupt);
            }
            if (elapsed >= Spec.ActiveDuration || _fault is not null)
            {
                return;
            }
            try
            {
                await Task.Delay(Tick, clock, abort);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private void Launch(VirtualUser vu, ConcurrentQueue<VirtualUser> idle, CancellationToken interrupt)
    {
        Interlocked.Increment(ref _inFlight);
        context.Counters.VuBusy(1);
        // On the thread pool: building and sending the request must not delay the scheduler's next start.
        _ = Task.Run(async () =>
        {
            try
            {
                await vu.IterateAsync(interrupt);
            }
            catch (Exception ex)
            {
                Interlocked.CompareExchange(ref _fault, ex, null);
            }
            finally
            {
                context.Counters.VuBusy(-1);
                idle.Enqueue(vu);
                Interlocked.Decrement(ref _inFlight);
            }
        }, CancellationToken.None);
    }

    private async Task VusAsync(CancellationToken abort, CancellationToken interrupt)
    {
        var start = Stopwatch.GetTimestamp();
        var count = Spec.Executor == ExecutorKind.ConstantVus ? Spec.Vus : Spec.MaxVus;
        context.Counters.VusAllocated(count);
        var loops = Enumerable.Range(0, count).Select(i => Task.Run(() => VuLoopAsync(new VirtualUser(i, context), start, abort, interrupt), CancellationToken.None)).ToArray();
        // The schedule's end: loops stop starting iterations then; the graceful stop below bounds the ones in flight.
        try
        {
            await Task.Delay(Spec.ActiveDuration, clock, abort);
        }
        catch (OperationCanceledException)
        {
        }
        await Task.WhenAny(Task.WhenAll(loops), Task.Delay(Spec.GracefulStop, clock, CancellationToken.None));
    }

    private async Task VuLoopAsync(VirtualUser vu, long start, CancellationToken abort, CancellationToken interrupt)
    {
        while (!abort.IsCancellationRequested && _fault is null)
        {
            var elapsed = Stopwatch.GetElapsedTime(start);
            if (elapsed >= Spec.ActiveDuration)
            {
                return;
            }
            if (vu.Id >= ArrivalSchedule.VusAt(Spec, elapsed))
            {
                await Task.Delay(RampPoll, clock, CancellationToken.None);
                continue;
            }
            Interlocked.Increment(ref _inFlight);
            context.Counters.VuBusy(1);
            try
            {
                await vu.IterateAsync(interrupt);
            }
            catch (Exception ex)
            {
                Interlocked.CompareExchange(ref _fault, ex, null);
            }
            finally
            {
                context.Counters.VuBusy(-1);
                Interlocked.Decrement(ref _inFlight);
            }
        }
    }

    /// <summary>Waits (polling, bounded by gracefulStop) for iterations in flight, then interrupts the rest.</summary>
    private async Task GracefulStopAsync(CancellationTokenSource interrupt)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(Spec.GracefulStop.TotalSeconds * Stopwatch.Frequency);
        while (Volatile.Read(ref _inFlight) > 0 && Stopwatch.GetTimestamp() < deadline && !interrupt.IsCancellationRequested)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(5), clock, CancellationToken.None);
        }
        await interrupt.CancelAsync();
        var bound = Stopwatch.GetTimestamp() + (long)(InterruptBound.TotalSeconds * Stopwatch.Frequency);
        while (Volatile.Read(ref _inFlight) > 0 && Stopwatch.GetTimestamp() < bound)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(5), clock, CancellationToken.None);
        }
    }
}
