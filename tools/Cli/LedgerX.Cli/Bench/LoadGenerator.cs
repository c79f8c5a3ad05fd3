using System.Collections.Concurrent;
using System.Diagnostics;

namespace LedgerX.Cli.Bench;

/// <summary>What the live display shows, read while the clients run.</summary>
internal sealed record LoadSnapshot(bool WarmingUp, TimeSpan Elapsed, TimeSpan Total, long AppliedAll, long Refused, long Errors);

/// <summary>
/// Closed loop (no <paramref name="ratePerSecond"/>): runs N clients, each sending its next transfer when the previous
/// one answered, for warmup + duration. Only answers that arrive inside the measurement window count, so throughput is
/// "answers per second while the system was in steady state"; requests still in flight when the window closes finish
/// but are not counted.
/// Open loop (<paramref name="ratePerSecond"/> given): transfers arrive on a fixed schedule whatever the service does,
/// with at most <paramref name="clients"/> in flight, and each latency runs from the arrival's scheduled time, not from
/// when it could be sent: a stall shows as the latency of every arrival it delayed (no coordinated omission). Arrivals
/// scheduled inside the window count, and the run waits for their answers.
/// </summary>
internal sealed class LoadGenerator(LedgerApiClient api, Workload workload, int clients, TimeSpan warmup, TimeSpan duration, long amount,
    double? ratePerSecond = null)
{
    /// <summary>Distinct error texts kept for the report; the rest are only counted.</summary>
    private const int MaxErrorSamples = 5;

    /// <summary>Open loop: how far past the window the dispatcher may still send its last arrivals (a timer's jitter), before
    /// the rest count as unsent.</summary>
    private static readonly TimeSpan LateGrace = TimeSpan.FromMilliseconds(250);

    private readonly LatencyRecorder _latencies = LatencyRecorder.ForWindow(duration);
    private readonly ConcurrentDictionary<int, long> _otherStatuses = new();
    private readonly ConcurrentDictionary<string, byte> _errorSamples = new();
    private long _started;
    private long _windowStart;
    private long _windowEnd;
    private long _appliedAll;
    private long _applied;
    private long _refused;
    private long _otherStatus;
    private long _transportErrors;
    private long _errorsAll;
    private long _saturated;
    private long _unsent;

    public LoadSnapshot Snapshot()
    {
        var started = Volatile.Read(ref _started);
        var elapsed = started == 0 ? TimeSpan.Zero : Stopwatch.GetElapsedTime(started);
        return new LoadSnapshot(elapsed < warmup, elapsed, warmup + duration, Interlocked.Read(ref _appliedAll),
            Interlocked.Read(ref _refused), Interlocked.Read(ref _errorsAll));
    }

    public async Task<RunResult> RunAsync(CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        _windowStart = started + (long)(warmup.TotalSeconds * Stopwatch.Frequency);
        _windowEnd = _windowStart + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        Volatile.Write(ref _started, started);

        if (ratePerSecond is { } rate)
        {
            await OpenLoopAsync(started, rate, ct);
        }
        else
        {
            var tasks = new Task[clients];
            for (var i = 0; i < clients; i++)
            {
                // Seeded per client: runs are reproducible in their choice of pairs, and clients never share a Random.
                var random = new Random(unchecked((i + 1) * 7919));
                tasks[i] = Task.Run(() => ClientLoopAsync(random, ct), ct);
            }
            await Task.WhenAll(tasks);
        }

        var window = Stopwatch.GetElapsedTime(_windowStart, _windowEnd);
        return new RunResult(workload.Mode, clients, workload.AccountCount, window, _applied, _refused, _otherStatus, _transportErrors,
            new SortedDictionary<int, long>(_otherStatuses), [.. _errorSamples.Keys], _latencies.Summarize())
        {
            OfferedPerSecond = ratePerSecond,
            Saturated = ratePerSecond is null ? null : Interlocked.Read(ref _saturated),
            Unsent = ratePerSecond is null ? null : Interlocked.Read(ref _unsent),
        };
    }

    /// <summary>One dispatcher sends every arrival whose time has come and sleeps until the next; arrival i is due at
    /// start + i / rate, so a late wake-up sends the missed arrivals at once instead of shifting the schedule. When all
    /// <c>clients</c> slots are busy the arrival waits for one (counted as saturated) and its latency keeps growing from
    /// its scheduled time. Bounded: once the window has closed, arrivals still waiting to be sent are not sent but
    /// counted as unsent (an overloaded service would otherwise hold the bench for arrivals × service time), and each
    /// request is bounded by the HTTP timeout.</summary>
    private async Task OpenLoopAsync(long started, double rate, CancellationToken ct)
    {
        using var slots = new SemaphoreSlim(clients, clients);
        var random = new Random(7919);
        var ticksPerArrival = Stopwatch.Frequency / rate;
        var arrivals = (long)Math.Ceiling((_windowEnd - started) / ticksPerArrival);
        for (long i = 0; i < arrivals && !ct.IsCancellationRequested; i++)
        {
            var due = started + (long)(i * ticksPerArrival);
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, ct);
            }
            if (!slots.Wait(0))
            {
                Interlocked.Increment(ref _saturated);
                await slots.WaitAsync(ct);
            }
            if (Stopwatch.GetElapsedTime(_windowEnd) > LateGrace)
            {
                // Behind schedule when the window closed: what is left was never offered in time.
                slots.Release();
                Interlocked.Add(ref _unsent, CountedArrivals(i, arrivals, started, ticksPerArrival));
                break;
            }
            var (from, to) = workload.NextPair(random);
            _ = SendScheduledAsync(from, to, due, slots, ct);
        }
        // Every slot back: all arrivals sent have been answered (or timed out).
        for (var i = 0; i < clients; i++)
        {
            await slots.WaitAsync(ct);
        }
    }

    /// <summary>How many of arrivals [from, to) are due inside the measurement window.</summary>
    private long CountedArrivals(long from, long to, long started, double ticksPerArrival)
    {
        var counted = 0L;
        for (var i = from; i < to; i++)
        {
            var due = started + (long)(i * ticksPerArrival);
            if (due >= _windowStart && due < _windowEnd)
            {
                counted++;
            }
        }
        return counted;
    }

    private async Task SendScheduledAsync(Guid from, Guid to, long due, SemaphoreSlim slots, CancellationToken ct)
    {
        try
        {
            var (outcome, status, detail) = await api.TransferAsync(from, to, amount, BenchSettings.Currency, ct);
            Count(outcome, status, detail, counted: due >= _windowStart && due < _windowEnd, due, Stopwatch.GetTimestamp());
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The run was cancelled; the dispatcher reports it.
        }
        finally
        {
            slots.Release();
        }
    }

    /// <summary>Bounded by the clock: no new request starts after the window ends, and each request is bounded by the
    /// HTTP client's timeout.</summary>
    private async Task ClientLoopAsync(Random random, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested && Stopwatch.GetTimestamp() < _windowEnd)
        {
            var (from, to) = workload.NextPair(random);
            var start = Stopwatch.GetTimestamp();
            var (outcome, status, detail) = await api.TransferAsync(from, to, amount, BenchSettings.Currency, ct);
            var end = Stopwatch.GetTimestamp();
            Count(outcome, status, detail, counted: end >= _windowStart && end < _windowEnd, start, end);
        }
    }

    private void Count(TransferOutcome outcome, int status, string? detail, bool counted, long start, long end)
    {
        if (outcome == TransferOutcome.Applied)
        {
            Interlocked.Increment(ref _appliedAll);
        }
        else if (outcome is TransferOutcome.OtherStatus or TransferOutcome.TransportError)
        {
            Interlocked.Increment(ref _errorsAll);
            if (_errorSamples.Count < MaxErrorSamples && detail is not null)
            {
                _errorSamples.TryAdd($"{(status == 0 ? "transport" : $"HTTP {status}")}: {detail}", 0);
            }
        }
        if (!counted)
        {
            return;
        }
        // Latency of every answered request, applied or refused: both are the ledger doing its job.
        switch (outcome)
        {
            case TransferOutcome.Applied:
                Interlocked.Increment(ref _applied);
                _latencies.Record(start, end);
                break;
            case TransferOutcome.Refused:
                Interlocked.Increment(ref _refused);
                _latencies.Record(start, end);
                break;
            case TransferOutcome.OtherStatus:
                Interlocked.Increment(ref _otherStatus);
                _otherStatuses.AddOrUpdate(status, 1, (_, n) => n + 1);
                break;
            case TransferOutcome.TransportError:
                Interlocked.Increment(ref _transportErrors);
                break;
            default:
                throw new InvalidOperationException($"Unknown outcome {outcome}.");
        }
    }
}

/// <summary>The measured outcome of one (mode, clients) run.</summary>
internal sealed record RunResult(
    BenchMode Mode,
    int Clients,
    int Accounts,
    TimeSpan Window,
    long Applied,
    long Refused,
    long OtherStatus,
    long TransportErrors,
    IReadOnlyDictionary<int, long> OtherStatusCodes,
    IReadOnlyList<string> ErrorSamples,
    LatencySummary Latency)
{
    public double AppliedPerSecond => Window.TotalSeconds > 0 ? Applied / Window.TotalSeconds : 0;

    /// <summary>Open loop: the arrival rate offered (transfers/s); null for a closed-loop run.</summary>
    public double? OfferedPerSecond { get; init; }

    /// <summary>Open loop: arrivals that found every client slot busy and waited for one (their wait is in their latency).</summary>
    public long? Saturated { get; init; }

    /// <summary>Open loop: arrivals of the window still unsent when it closed (the service was that far behind); they have
    /// no latency, so a run with any is overloaded and its percentiles are a lower bound.</summary>
    public long? Unsent { get; init; }

    /// <summary>With --sidecar: the outbox's depth and age over the run, and how long it took to drain.</summary>
    public OutboxLag? Outbox { get; init; }

    /// <summary>Filled in after the run from the service's /metrics, when it exposes them.</summary>
    public WriterStats? Writer { get; init; }
}
