using System.Diagnostics.Metrics;

namespace LedgerX.Auth.Audit;

/// <summary>Meter <c>LedgerX.AuditLog</c>: what became of each audit.recorded.v1 delivery.</summary>
public sealed class AuditLogMetrics
{
    public const string MeterName = "LedgerX.AuditLog";

    private readonly Counter<long> _deliveries;

    public AuditLogMetrics(IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        _deliveries = meters.Create(MeterName).CreateCounter<long>("ledgerx.audit_log.deliveries", description: "audit.recorded.v1 deliveries by outcome (appended, duplicate, dropped)");
    }

    public void Delivered(string outcome) => _deliveries.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
}
