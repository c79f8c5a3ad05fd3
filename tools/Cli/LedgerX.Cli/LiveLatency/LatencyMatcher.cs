using System.Diagnostics;
using LedgerX.Cli.Bench;

namespace LedgerX.Cli.LiveLatency;

/// <summary>
/// Pairs each acknowledged transfer with the first live frame about its journal entry. Either can come first: the
/// 201 and the frame race (the frame's path is outbox → pub/sub → notification-service → live pub/sub → socket, but
/// the 201 can sit in the gateway's and the client's buffers), so both sides are remembered by entry id and the pair is
/// made by whichever arrives second. A frame before its 201 counts as 0 ms and is counted apart, not hidden.
/// Thread-safe: the transfers' tasks and the socket reader call it concurrently (tens of calls a second; one lock).
/// </summary>
internal sealed class LatencyMatcher
{
    private const double TicksPerMicrosecond = TimeSpan.TicksPerMillisecond / 1000.0;

    private readonly Lock _lock = new();
    private readonly Dictionary<Guid, long> _acknowledged = [];
    private readonly Dictionary<Guid, long> _framesFirst = [];
    private readonly Dictionary<Guid, int> _framesPerEntry = [];
    private readonly List<int> _commitToFrameMicros = [];
    private readonly List<int> _roundTripMicros = [];
    private readonly Dictionary<string, int> _failures = new(StringComparer.Ordinal);
    private int _framesBeforeAcknowledgement;

    /// <summary>A transfer answered 201 with journal entry <paramref name="entryId"/>; timestamps from
    /// <see cref="Stopwatch.GetTimestamp"/>: when the request was sent and when its 201 was read.</summary>
    public void Acknowledged(Guid entryId, long sentAt, long acknowledgedAt)
    {
        lock (_lock)
        {
            _roundTripMicros.Add(Micros(sentAt, acknowledgedAt));
            if (_framesFirst.Remove(entryId))
            {
                _framesBeforeAcknowledgement++;
                _commitToFrameMicros.Add(0);
            }
            else
            {
                _acknowledged[entryId] = acknowledgedAt;
            }
        }
    }

    /// <summary>A transfer that did not answer 201: <paramref name="what"/> is its status and problem code, or the
    /// transport error; counted by kind so the report says what went wrong without a line per request.</summary>
    public void Failed(string what)
    {
        lock (_lock)
        {
            _failures[what] = _failures.GetValueOrDefault(what) + 1;
        }
    }

    /// <summary>A frame arrived at <paramref name="receivedAt"/>; frames without an entry id (control frames) are
    /// ignored by the caller, frames about entries no transfer made (the funding deposit) are counted as other.</summary>
    public void Frame(Guid entryId, long receivedAt)
    {
        lock (_lock)
        {
            var seen = _framesPerEntry.GetValueOrDefault(entryId);
            _framesPerEntry[entryId] = seen + 1;
            if (seen > 0)
            {
                return; // the entry's other side (credit after debit): the first frame is the one measured
            }
            if (_acknowledged.Remove(entryId, out var acknowledgedAt))
            {
                _commitToFrameMicros.Add(Micros(acknowledgedAt, receivedAt));
            }
            else
            {
                _framesFirst[entryId] = receivedAt;
            }
        }
    }

    /// <summary>Transfers answered 201 whose frame has not arrived yet.</summary>
    public int Outstanding
    {
        get
        {
            lock (_lock)
            {
                return _acknowledged.Count;
            }
        }
    }

    /// <summary>How many frames arrived about <paramref name="entryId"/> (0 when none).</summary>
    public int FramesAbout(Guid entryId)
    {
        lock (_lock)
        {
            return _framesPerEntry.GetValueOrDefault(entryId);
        }
    }

    /// <summary>The result so far: transfers still without a frame are lost (call it once their time is up).</summary>
    public LiveLatencyResult Result(int attempted)
    {
        lock (_lock)
        {
            var applied = _roundTripMicros.Count;
            var frames = _framesPerEntry.Where(f => !_framesFirst.ContainsKey(f.Key)).Sum(f => f.Value);
            return new LiveLatencyResult(
                attempted, applied, new Dictionary<string, int>(_failures), _commitToFrameMicros.Count, _acknowledged.Count,
                _framesBeforeAcknowledgement, _framesFirst.Count, frames,
                Summary(_commitToFrameMicros), Summary(_roundTripMicros));
        }
    }

    private static LatencySummary Summary(List<int> micros)
    {
        var sorted = micros.ToArray();
        Array.Sort(sorted);
        return LatencySummary.FromSorted(sorted, dropped: 0);
    }

    private static int Micros(long from, long to) =>
        (int)Math.Clamp(Math.Round(Stopwatch.GetElapsedTime(from, to).Ticks / TicksPerMicrosecond), 0, int.MaxValue);
}

/// <summary>What one run came to. <see cref="Lost"/> &gt; 0 or any failed transfer fails the run.</summary>
/// <param name="Attempted">Transfers started.</param>
/// <param name="Applied">Transfers answered 201.</param>
/// <param name="Failures">Transfers not answered 201, by status/code or transport error.</param>
/// <param name="Matched">Applied transfers whose frame arrived.</param>
/// <param name="Lost">Applied transfers whose frame never arrived.</param>
/// <param name="FramesBeforeAcknowledgement">Matched transfers whose frame came before their 201 (measured as 0 ms).</param>
/// <param name="UnmatchedFrames">Frames about an entry none of the run's transfers made.</param>
/// <param name="FramesForTransfers">All frames about the run's transfers (two per transfer when one customer owns both accounts: debit and credit).</param>
/// <param name="CommitToFrame">Time from a transfer's 201 to its first frame.</param>
/// <param name="RoundTrip">The baseline: the transfer request's own round trip through the gateway.</param>
internal sealed record LiveLatencyResult(
    int Attempted,
    int Applied,
    IReadOnlyDictionary<string, int> Failures,
    int Matched,
    int Lost,
    int FramesBeforeAcknowledgement,
    int UnmatchedFrames,
    int FramesForTransfers,
    LatencySummary CommitToFrame,
    LatencySummary RoundTrip)
{
    public int Failed => Failures.Values.Sum();

    public bool Passed => Lost == 0 && Failed == 0 && Applied == Attempted && Matched == Applied;
}
