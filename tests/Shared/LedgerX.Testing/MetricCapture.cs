using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;

namespace LedgerX.Testing;

/// <summary>One measurement: the instrument's name, the value and its tags.</summary>
public sealed record MetricReading(string Instrument, double Value, IReadOnlyDictionary<string, string?> Tags)
{
    public bool Has(string tag, string value) => Tags.TryGetValue(tag, out var actual) && actual == value;
}

/// <summary>
/// What the instruments of one <see cref="IMeterFactory"/> report, as an exporter sees it: gauges read at
/// <see cref="Observe"/>, counters and histograms as they are recorded. Only that factory's meters are listened to,
/// since .NET's meter listeners are process-wide and a test host beside this one creates meters of the same names.
/// </summary>
public sealed class MetricCapture : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<MetricReading> _recorded = new();
    private readonly Lock _observing = new();
    private List<MetricReading>? _observed;

    public MetricCapture(IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter.Scope, meters))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Add(i, v, tags));
        _listener.SetMeasurementEventCallback<int>((i, v, tags, _) => Add(i, v, tags));
        _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Add(i, v, tags));
        _listener.Start();
    }

    /// <summary>A fresh meter factory (what the host's <c>AddMetrics</c> registers), for constructing a reader directly.</summary>
    public static IMeterFactory NewMeterFactory() =>
        new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>();

    /// <summary>Every observable instrument's current values (what a scrape would read now).</summary>
    public IReadOnlyList<MetricReading> Observe()
    {
        lock (_observing)
        {
            _observed = [];
            _listener.RecordObservableInstruments();
            var observed = _observed;
            _observed = null;
            return observed;
        }
    }

    /// <summary>The gauge <paramref name="instrument"/>'s current value among the series whose tags include
    /// <paramref name="tags"/>; exactly one series must match.</summary>
    public double Gauge(string instrument, params (string Tag, string Value)[] tags) =>
        Observe().Where(r => r.Instrument == instrument && tags.All(t => r.Has(t.Tag, t.Value))).Single().Value;

    /// <summary>What counters and histograms recorded so far, for <paramref name="instrument"/>.</summary>
    public IReadOnlyList<MetricReading> Recorded(string instrument) => [.. _recorded.Where(r => r.Instrument == instrument)];

    public void Dispose() => _listener.Dispose();

    private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var reading = new MetricReading(instrument.Name, value,
            tags.ToArray().ToDictionary(t => t.Key, t => t.Value?.ToString(), StringComparer.Ordinal));
        if (instrument.IsObservable)
        {
            _observed?.Add(reading);
        }
        else
        {
            _recorded.Enqueue(reading);
        }
    }
}
