using System.Diagnostics.Metrics;

namespace LedgerX.ServiceDefaults.Audit;

/// <summary>Meter <c>LedgerX.Audit</c> (exported at /metrics by the service defaults): what the audit outbox relay did.</summary>
public sealed class AuditOutboxMetrics
{
    public const string MeterName = "LedgerX.Audit";

    private readonly Counter<long> _published;
    private readonly Counter<long> _failed;
    private long _backlog;

    public AuditOutboxMetrics(IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        var meter = meters.Create(MeterName);
        _published = meter.CreateCounter<long>("ledgerx.audit.outbox.published", description: "audit.recorded.v1 events published");
        _failed = meter.CreateCounter<long>("ledgerx.audit.outbox.publish_failures", description: "Failed publish attempts of audit events");
        meter.CreateObservableGauge("ledgerx.audit.outbox.backlog", () => Interlocked.Read(ref _backlog),
            description: "Audit events enqueued but not yet published, as last sampled");
    }

    public void Published(int count) => _published.Add(count);

    public void PublishFailed() => _failed.Add(1);

    public void Backlog(long pending) => Interlocked.Exchange(ref _backlog, pending);
}
