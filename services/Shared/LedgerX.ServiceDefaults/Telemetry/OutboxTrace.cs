using System.Diagnostics;

namespace LedgerX.ServiceDefaults.Telemetry;

/// <summary>
/// The W3C trace context an outbox row keeps from the moment it was written (the request or delivery that caused the
/// event) until the relay publishes it, which happens later on the relay's own loop: without it every published event
/// would start a trace of its own and the consumers' spans would be cut off from the request (ADR 0023).
/// </summary>
/// <param name="TraceParent">The <c>traceparent</c> header value (<see cref="Activity.Id"/> in W3C format), or null.</param>
/// <param name="TraceState">The <c>tracestate</c> header value, or null.</param>
public readonly record struct OutboxTrace(string? TraceParent, string? TraceState)
{
    /// <summary>The name of the relays' ActivitySource; under <c>LedgerX.*</c>, so every service's tracing hears it.</summary>
    public const string SourceName = "LedgerX.Outbox";

    /// <summary>The longest <c>traceparent</c> stored (version 00 is 55 characters; later versions may append fields).</summary>
    public const int MaxTraceParentLength = 128;

    /// <summary>W3C limits <c>tracestate</c> to 32 entries; 512 characters is what propagators are asked to keep at least.</summary>
    public const int MaxTraceStateLength = 512;

    private static readonly ActivitySource Source = new(SourceName);

    /// <summary>No context: a row written outside any trace (or before the columns existed) publishes as before.</summary>
    public static readonly OutboxTrace None = new(null, null);

    /// <summary>The context of the span running now (the request's, the delivery's, the workflow activity's).</summary>
    public static OutboxTrace Current => From(Activity.Current);

    public static OutboxTrace From(Activity? activity) =>
        activity is { IdFormat: ActivityIdFormat.W3C, Id: { } id } && id.Length <= MaxTraceParentLength
            ? new OutboxTrace(id, Truncate(activity.TraceStateString))
            : None;

    /// <summary>
    /// Starts the relay's PRODUCER span for publishing one row, as a child of the stored context, so the publish call
    /// (and the sidecar's span, and the CloudEvent's <c>traceparent</c>, and every consumer) joins the request's trace.
    /// A row without a valid stored context gets a new trace, as every publish did before. Null when nobody listens.
    /// </summary>
    public Activity? StartPublish(string topic, Guid eventId)
    {
        var parent = TraceParent is not null && ActivityContext.TryParse(TraceParent, TraceState, isRemote: true, out var stored)
            ? stored
            : default;
        // An explicit default parent would make the relay's own Activity.Current (if any) the parent: start from none.
        var previous = Activity.Current;
        Activity.Current = null;
        try
        {
            var activity = Source.StartActivity(ActivityKind.Producer, parent, name: $"publish {topic}");
            activity?.SetTag("messaging.system", "dapr");
            activity?.SetTag("messaging.operation.type", "publish");
            activity?.SetTag("messaging.destination.name", topic);
            activity?.SetTag("messaging.message.id", eventId.ToString());
            return activity;
        }
        finally
        {
            if (Activity.Current is null)
            {
                Activity.Current = previous;
            }
        }
    }

    private static string? Truncate(string? traceState) =>
        string.IsNullOrEmpty(traceState) || traceState.Length > MaxTraceStateLength ? null : traceState;
}
