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
/// directly, not through a global ActivitySource listener, so several sidecars in one process stay separate.
/// </summary>
public sealed class SidecarTracer : IAsyncDisposable
{
    private readonly string _appId;
    private readonly double _samplingRate;
    private readonly ZipkinExporter? _zipkin;
    private readonly ILogger? _stdout;

    public SidecarTracer(string appId, ConfigurationResource? configuration, ILogger logger)
    {
        _appId = appId;
        _samplingRate = Math.Clamp(configuration?.SamplingRate ?? 0, 0, 1);
        if (_samplingRate > 0 && configuration?.ZipkinEndpoint is { Length: > 0 } endpoint)
        {
            _zipkin = new ZipkinExporter(new Uri(endpoint), logger);
        }

        _stdout = configuration?.StdoutTracing == true ? logger : null;
    }

    public bool Exporting => _zipkin is not null || _stdout is not null;

    /// <summary>Starts a span; dispose the returned span to end and export it.</summary>
    public Span Start(string name, ActivityKind kind, string? parentTraceParent, IEnumerable<KeyValuePair<string, string>>? tags = null)
    {
        var activity = new Activity(name);
        activity.SetIdFormat(ActivityIdFormat.W3C);
        if (!string.IsNullOrEmpty(parentTraceParent) && ActivityContext.TryParse(parentTraceParent, null, out var parent))
        {
            activity.SetParentId(parent.TraceId, parent.SpanId, parent.TraceFlags);
        }
        else if (Activity.Current is { IdFormat: ActivityIdFormat.W3C } current)
        {
            activity.SetParentId(current.TraceId, current.SpanId, current.ActivityTraceFlags);
        }

        activity.SetTag("span.kind", kind.ToString());
        foreach (var (k, v) in tags ?? [])
        {
            activity.SetTag(k, v);
        }

        activity.Start();
        if (Sampled(activity.TraceId))
        {
            activity.ActivityTraceFlags |= ActivityTraceFlags.Recorded;
        }

        return new Span(this, activity, kind);
    }

    public async ValueTask DisposeAsync()
    {
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

    private void Finish(Activity activity, ActivityKind kind)
    {
        activity.Stop();
        if (!Exporting || !Sampled(activity.TraceId))
        {
            return;
        }

        var span = new ZipkinSpan(
            activity.TraceId.ToHexString(),
            activity.SpanId.ToHexString(),
            activity.ParentSpanId == default ? null : activity.ParentSpanId.ToHexString(),
            activity.DisplayName,
            kind switch
            {
                ActivityKind.Client => "CLIENT",
                ActivityKind.Producer => "PRODUCER",
                ActivityKind.Consumer => "CONSUMER",
                _ => "SERVER",
            },
            activity.StartTimeUtc,
            activity.Duration,
            _appId,
            activity.Tags.Where(t => t.Key != "span.kind" && t.Value is not null).ToDictionary(t => t.Key, t => t.Value!, StringComparer.Ordinal));
        _zipkin?.Enqueue(span);
        _stdout?.LogInformation("span {Name} trace={TraceId} span={SpanId} parent={ParentId} duration={DurationMs}ms", span.Name, span.TraceId, span.Id, span.ParentId, span.Duration.TotalMilliseconds);
    }

    /// <summary>An open span; it is <see cref="Activity.Current"/> until disposed.</summary>
    public sealed class Span : IDisposable
    {
        private readonly SidecarTracer _tracer;
        private readonly ActivityKind _kind;

        internal Span(SidecarTracer tracer, Activity activity, ActivityKind kind)
        {
            _tracer = tracer;
            Activity = activity;
            _kind = kind;
        }

        public Activity Activity { get; }

        /// <summary>The W3C traceparent naming this span as parent.</summary>
        public string TraceParent => Activity.Id!;

        public void SetTag(string key, string? value) => Activity.SetTag(key, value);

        public void Dispose() => _tracer.Finish(Activity, _kind);
    }
}
