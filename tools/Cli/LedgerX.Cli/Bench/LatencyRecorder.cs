using System.Diagnostics;

namespace LedgerX.Cli.Bench;

/// <summary>
/// Keeps every latency of a measurement window in one array allocated up front, so recording is an index increment
/// and a store (no allocation, no lock) on the clients' hot path, and percentiles are exact (sorted samples, not
/// buckets). Memory is bounded: samples beyond the capacity are counted as dropped instead of growing the array.
/// </summary>
internal sealed class LatencyRecorder
{
    /// <summary>Far above what a 2-core machine can push through HTTP; 16 M samples cost 64 MB.</summary>
    public const int MaxCapacity = 16_000_000;

    private const double TicksPerMicrosecond = TimeSpan.TicksPerMillisecond / 1000.0;

    private readonly int[] _micros;
    private int _next;

    public LatencyRecorder(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(capacity, MaxCapacity);
        _micros = new int[capacity];
    }

    /// <summary>Room for the window at a rate no run here will reach (50,000 requests/s), within the bound.</summary>
    public static LatencyRecorder ForWindow(TimeSpan window) =>
        new((int)Math.Clamp(window.TotalSeconds * 50_000, 10_000, MaxCapacity));

    public int Capacity => _micros.Length;

    public int Recorded => Math.Min(Volatile.Read(ref _next), _micros.Length);

    public int Dropped => Math.Max(0, Volatile.Read(ref _next) - _micros.Length);

    /// <summary>Records one latency measured with <see cref="Stopwatch.GetTimestamp"/>. Thread-safe.</summary>
    public void Record(long startTimestamp, long endTimestamp) =>
        RecordMicroseconds(Stopwatch.GetElapsedTime(startTimestamp, endTimestamp).Ticks / TicksPerMicrosecond);

    public void RecordMicroseconds(double micros)
    {
        var slot = Interlocked.Increment(ref _next) - 1;
        if (slot < _micros.Length)
        {
            _micros[slot] = (int)Math.Clamp(Math.Round(micros), 0, int.MaxValue);
        }
    }

    /// <summary>Sorts a copy (clients may still be finishing) and summarizes it.</summary>
    public LatencySummary Summarize()
    {
        var count = Recorded;
        var sorted = new int[count];
        Array.Copy(_micros, sorted, count);
        Array.Sort(sorted);
        return LatencySummary.FromSorted(sorted, Dropped);
    }
}
