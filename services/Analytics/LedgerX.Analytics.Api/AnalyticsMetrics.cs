using System.Diagnostics.Metrics;

namespace LedgerX.Analytics.Api;

/// <summary>analytics-service's own metrics (meter "LedgerX.Analytics"), exported at /metrics with the defaults.</summary>
public sealed class AnalyticsMetrics
{
    public const string MeterName = "LedgerX.Analytics";

    private readonly Counter<long> _events;
    private readonly Counter<long> _cacheReads;
    private readonly Counter<long> _rebuilds;

    public AnalyticsMetrics(IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        var meter = meters.Create(MeterName);
        _events = meter.CreateCounter<long>("ledgerx.analytics.events", description: "Events delivered to the projections, by type and outcome (applied, duplicate, or dropped as unreadable).");
        _cacheReads = meter.CreateCounter<long>("ledgerx.analytics.cache_reads", description: "Query cache lookups, by result (hit or miss).");
        _rebuilds = meter.CreateCounter<long>("ledgerx.analytics.rebuilds", description: "Rebuilds of the read models from the ledger's log, by outcome.");
    }

    public void EventConsumed(string type, bool applied) =>
        _events.Add(1, new KeyValuePair<string, object?>("type", type), new KeyValuePair<string, object?>("outcome", applied ? "applied" : "duplicate"));

    public void EventDropped(string type) =>
        _events.Add(1, new KeyValuePair<string, object?>("type", type), new KeyValuePair<string, object?>("outcome", "dropped"));

    public void CacheRead(bool hit) => _cacheReads.Add(1, new KeyValuePair<string, object?>("result", hit ? "hit" : "miss"));

    public void Rebuilt(string outcome) => _rebuilds.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
}
