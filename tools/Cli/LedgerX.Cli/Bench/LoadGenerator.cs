using System.Collections.Concurrent;
using System.Diagnostics;

namespace LedgerX.Cli.Bench;

/// <summary>What the live display shows, read while the clients run.</summary>
internal sealed record LoadSnapshot(bool WarmingUp, TimeSpan Elapsed, TimeSpan Total, long AppliedAll, long Refused, long Errors);

/// <summary>
/// Runs N closed-loop clients (each sends its next transfer when the previous one answered) for warmup + duration.
/// Only answers that arrive inside the measurement window count, so throughput is "answers per second while the
/// system was in steady state"; requests still in flight when the window closes finish but are not counted.
/// </summary>
internal sealed class LoadGenerator(LedgerApiClient api, Workload workload, int clients, TimeSpan warmup, TimeSpan duration, long amount)
{
    /// <summary>Distinct error texts kept for the report; the rest are only counted.</summary>
    private const int MaxErrorSamples = 5;

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

        var tasks = new Task[clients];
        for (var i = 0; i < clients; i++)
        {
            // Seeded per client: runs are reproducible in their choice of pairs, and clients never share a Random.
            var random = new Random(unchecked((i + 1) * 7919));
            tasks[i] = Task.Run(() => ClientLoopAsync(random, ct), ct);
        }
        await Task.WhenAll(tasks);

        var window = Stopwatch.GetElapsedTime(_windowStart, _windowEnd);
        return new RunResult(workload.Mode, clients, workload.AccountCount, window, _applied, _refused, _otherStatus, _transportErrors,
            new SortedDictionary<int, long>(_otherStatuses), [.. _errorSamples.Keys], _latencies.Summarize());
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

    /// <summary>Filled in after the run from the service's /metrics, when it exposes them.</summary>
    public WriterStats? Writer { get; init; }
}
