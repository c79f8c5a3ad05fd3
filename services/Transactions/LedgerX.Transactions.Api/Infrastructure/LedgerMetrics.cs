using System.Diagnostics;
using System.Diagnostics.Metrics;
using LedgerX.Transactions.Domain.Events;

namespace LedgerX.Transactions.Api.Infrastructure;

/// <summary>The ledger's own metrics (meter "LedgerX.Transactions"), exported at /metrics with the defaults.</summary>
public sealed class LedgerMetrics
{
    public const string MeterName = "LedgerX.Transactions";
    public static readonly ActivitySource ActivitySource = new(MeterName);

    private readonly Counter<long> _commands;
    private readonly Counter<long> _entries;
    private readonly Histogram<int> _batchSize;
    private readonly Histogram<double> _batchDuration;
    private readonly Counter<long> _published;
    private readonly Counter<long> _publishFailures;
    private long _outboxPending;
    private double _outboxOldestAgeSeconds;

    public LedgerMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _commands = meter.CreateCounter<long>("ledgerx.ledger.commands", description: "Commands processed by the ledger writer.");
        _entries = meter.CreateCounter<long>("ledgerx.ledger.entries_posted", description: "Journal entries posted (transfers, deposits, ...).");
        // Batches take milliseconds; the default buckets (0, 5, 10, … 10,000) would put every one in the first bucket.
        _batchDuration = meter.CreateHistogram("ledgerx.ledger.batch_duration", unit: "s", description: "Time to load, decide, write and commit one batch.",
            tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1] });
        _batchSize = meter.CreateHistogram("ledgerx.ledger.batch_size", description: "Commands per group-commit transaction.",
            tags: null, advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000] });
        _published = meter.CreateCounter<long>("ledgerx.outbox.published", description: "Events published through Dapr pub/sub.");
        _publishFailures = meter.CreateCounter<long>("ledgerx.outbox.publish_failures", description: "Failed publish attempts (retried with backoff).");
        meter.CreateObservableGauge("ledgerx.outbox.pending", () => Interlocked.Read(ref _outboxPending),
            description: "Committed events not yet published (as of the relay's last look).");
        meter.CreateObservableGauge("ledgerx.outbox.lag", () => Volatile.Read(ref _outboxOldestAgeSeconds), unit: "s",
            description: "Age of the oldest unpublished event: how far subscribers are behind the ledger.");
    }

    public void BatchApplied(int commands, IReadOnlyList<LedgerEvent> events, TimeSpan duration)
    {
        _commands.Add(commands);
        _entries.Add(events.Count(e => e is TransactionPosted));
        _batchSize.Record(commands);
        _batchDuration.Record(duration.TotalSeconds);
    }

    public void Published(int count) => _published.Add(count);
    public void PublishFailed() => _publishFailures.Add(1);

    public void OutboxBacklog(long pending, TimeSpan oldest)
    {
        Interlocked.Exchange(ref _outboxPending, pending);
        Volatile.Write(ref _outboxOldestAgeSeconds, oldest.TotalSeconds);
    }
}
