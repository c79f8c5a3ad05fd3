using System.Diagnostics;
using System.Globalization;
using LedgerX.LocalDapr.Resources;
using Microsoft.Extensions.Logging;

namespace LedgerX.LocalDapr.Tracing;

/// <summary>
/// Spans for every call the sidecar handles (API calls, deliveries to the app, invocation hops), parented on the
/// caller's W3C <c>traceparent</c> and made <see cref="Activity.Current"/>, so what the sidecar sends on carries
/// the sidecar's span as parent, as daprd does. Sampled and exported per the Configuration resource
/// (<c>spec.tracing.samplingRate</c>, <c>zipkin.endpointAddress</c>, <c>stdout</c>). Activities are created
/// from an ActivitySource of this tracer's own, heard only by this tracer's listener, so several sidecars in one
/// process stay separate (and the services' own tracing, which listens to <c>LedgerX.*</c>, does not pick them up).
/// </summary>
public sealed class SidecarTracer : IAsyncDisposable
{
    /// <summary>Outside the services' <c>LedgerX.*</c> sources on purpose.</summary>
    public const string SourceName = "localdapr.sidecar";

    private readonly double _samplingRate;
    private readonly ZipkinExporter? _zipkin;
    private readonly ILogger? _stdout;
    private readonly ActivitySource _source = new(SourceName);
    private readonly ActivityListener _listener;

    public SidecarTracer(string appId, ConfigurationResource? configuration, ILogger logger)
    {
        _samplingRate = Math.Clamp(configuration?.SamplingRate ?? 0, 0, 1);
        if (_samplingRate > 0 && configuration?.ZipkinEndpoint is { Length: > 0 } endpoint)
        {
            _zipkin = new ZipkinExporter(new Uri(endpoint), appId, logger);
        }

        _stdout = configuration?.StdoutTracing == true ? logger : null;
        // Every span is created (its traceparent propagates either way); only sampled ones are recorded and exported.
        _listener = new ActivityListener
        {
            ShouldListenTo = source => ReferenceEquals(source, _source),
            Sample = (ref ActivityCreationOptions<ActivityContext> options) =>
                Sampled(options.TraceId) ? ActivitySamplingResult.AllDataAndRecorded : ActivitySamplingResult.AllData,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public bool Exporting => _zipkin is not null || _stdout is not null;

    /// <summary>Starts a span; dispose the returned span to end and export it.</summary>
    public Span Start(string name, ActivityKind kind, string? parentTraceParent, IEnumerable<KeyValuePair<string, string>>? tags = null)
    {
        // The caller's traceparent, else the current (W3C) span; a default context makes CreateActivity use Activity.Current.
        var parent = !string.IsNullOrEmpty(parentTraceParent) && ActivityContext.TryParse(parentTraceParent, null, out var parsed)
            ? parsed
            : default;
        var activity = _source.CreateActivity(name, kind, parent, idFormat: ActivityIdFormat.W3C)
            ?? throw new InvalidOperationException("the sidecar's activity listener is not registered");
        foreach (var (k, v) in tags ?? [])
        {
            activity.SetTag(k, v);
        }

        activity.Start();
        return new Span(this, activity);
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Dispose();
        _source.Dispose();
        if (_zipkin is not null)
        {
            await _zipkin.DisposeAsync();
        }
    }

    private bool Sampled(ActivityTraceId traceId)
    {
        if (_samplingRate >= 1)
        {
            return true;
        }

        if (_samplingRate <= 0)
        {
            return false;
        }

        // Deterministic per trace, so every sidecar on a trace makes the same decision.
        ulong bits = ulong.Parse(traceId.ToHexString()[..16], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        return bits / (double)ulong.MaxValue < _samplingRate;
    }

    private void Finish(Activity activity)
    {
        activity.Stop();
        if (!activity.Recorded)
        {
            return;
        }

        _zipkin?.Enqueue(activity);
        _stdout?.LogInformation("span {Name} trace={TraceId} span={SpanId} parent={ParentId} duration={DurationMs}ms", activity.DisplayName, activity.TraceId.ToHexString(), activity.SpanId.ToHexString(), activity.ParentSpanId == default ? null : activity.ParentSpanId.ToHexString(), activity.Duration.TotalMilliseconds);
    }

    /// <summary>An open span; it is <see cref="Activity.Current"/> until disposed.</summary>
    public sealed class Span : IDisposable
    {
        private readonly SidecarTracer _tracer;

        internal Span(SidecarTracer tracer, Activity activity)
        {
            _tracer = tracer;
            Activity = activity;
        }

        public Activity Activity { get; }

        /// <summary>The W3C traceparent naming this span as parent.</summary>
        public string TraceParent => Activity.Id!;

        public void SetTag(string key, string? value) => Activity.SetTag(key, value);

        public void Dispose() => _tracer.Finish(Activity);
    }
}
