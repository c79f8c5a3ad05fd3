namespace LedgerX.LocalDapr.Tracing;

/// <summary>
/// When an exporter's collector is down: say so once, stop trying for a while (doubling from 1 s up to 1 min),
/// and say once that it is back. Without this a sidecar whose Zipkin is not running (the default
/// <c>localhost:9411</c> of a fresh machine) logged a warning for every batch. Pure: the caller passes the time.
/// </summary>
public sealed class ExportBackoff
{
    public static readonly TimeSpan FirstDelay = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan MaxDelay = TimeSpan.FromMinutes(1);

    private TimeSpan _delay = FirstDelay;
    private DateTimeOffset _retryAt = DateTimeOffset.MinValue;

    public bool IsDown { get; private set; }

    /// <summary>Items given up while the collector was down (reset when it comes back).</summary>
    public long DroppedWhileDown { get; private set; }

    /// <summary>False while backing off: the batch is dropped without a request.</summary>
    public bool ShouldAttempt(DateTimeOffset now) => !IsDown || now >= _retryAt;

    /// <summary>Counts a batch dropped without an attempt.</summary>
    public void Skipped(int count) => DroppedWhileDown += count;

    /// <summary>A failed export of <paramref name="count"/> items; true when this is the first failure (log it).</summary>
    public bool Failed(DateTimeOffset now, int count)
    {
        bool first = !IsDown;
        if (first)
        {
            _delay = FirstDelay;
        }
        else
        {
            _delay = _delay * 2 > MaxDelay ? MaxDelay : _delay * 2;
        }

        IsDown = true;
        DroppedWhileDown += count;
        _retryAt = now + _delay;
        return first;
    }

    /// <summary>A successful export; true when the collector was down until now (log that it is back).</summary>
    public bool Succeeded()
    {
        bool recovered = IsDown;
        IsDown = false;
        if (recovered)
        {
            DroppedWhileDown = 0;
        }

        _delay = FirstDelay;
        return recovered;
    }
}
