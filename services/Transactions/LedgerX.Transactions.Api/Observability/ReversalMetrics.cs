using System.Diagnostics.Metrics;
using LedgerX.Transactions.Api.Reversals;
using Npgsql;

namespace LedgerX.Transactions.Api.Observability;

/// <summary>
/// Reversal sagas as metrics (meter <c>LedgerX.Transactions.Reversals</c>): unfinished reversals by status, how long the
/// oldest pending one has not moved (alert LedgerXReversalSagaStuck), and the duration of each one that finished, by
/// outcome. Read from the <c>reversals</c> table every <see cref="PollInterval"/> rather than hooked into the saga, so
/// the numbers are the same whichever replica or re-driven saga did the work, and the saga code stays unaware of them.
/// </summary>
public sealed class ReversalMetrics : BackgroundService
{
    public const string MeterName = "LedgerX.Transactions.Reversals";

    /// <summary>Often enough for a 15 s scrape, cheap enough for one indexed query pair per replica.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(10);

    /// <summary>Finished reversals read per poll; more waits for the next poll (no burst of rows in memory).</summary>
    private const int MaxFinishedPerPoll = 1000;

    private static readonly string[] UnfinishedStatuses = [ReversalStatus.Pending, ReversalStatus.AwaitingApproval];

    private readonly NpgsqlDataSource _database;
    private readonly TimeProvider _clock;
    private readonly ILogger<ReversalMetrics> _logger;
    private readonly Histogram<double> _duration;
    private volatile IReadOnlyDictionary<string, long> _unfinished = new Dictionary<string, long>();
    private double _oldestPendingAgeSeconds;
    private DateTimeOffset _finishedSince;

    public ReversalMetrics(NpgsqlDataSource database, TimeProvider clock, IMeterFactory meters, ILogger<ReversalMetrics> logger)
    {
        _database = database;
        _clock = clock;
        _logger = logger;
        // Only reversals that finish while this replica runs: a restart must not count old ones again.
        _finishedSince = clock.GetUtcNow();
        var meter = meters.Create(MeterName);
        meter.CreateObservableGauge("ledgerx.reversals.unfinished", ObserveUnfinished,
            description: "Reversals not yet completed or failed, by status (pending, awaiting_approval).");
        meter.CreateObservableGauge("ledgerx.reversals.oldest_pending_age", () => Volatile.Read(ref _oldestPendingAgeSeconds), unit: "s",
            description: "Time since the least recently updated pending reversal last moved (0 when none is pending).");
        _duration = meter.CreateHistogram("ledgerx.reversals.duration", unit: "s",
            description: "From request to completed or failed, per finished reversal, by outcome.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 86400] });
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await PollOnceAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
            {
                // The database is away: keep the last values (a gap would look like recovery) and try again.
                _logger.LogWarning(ex, "Reading reversal metrics failed; trying again after {PollInterval}", PollInterval);
            }
            await Task.Delay(PollInterval, _clock, stoppingToken);
        }
    }

    /// <summary>One read of the table; public for tests, which poll instead of waiting for the interval.</summary>
    public async Task PollOnceAsync(CancellationToken ct)
    {
        var now = _clock.GetUtcNow();
        await using var connection = await _database.OpenConnectionAsync(ct);

        var unfinished = UnfinishedStatuses.ToDictionary(s => s, _ => 0L);
        double oldestPendingAge = 0;
        await using (var command = new NpgsqlCommand(
            "SELECT status, count(*), min(updated_at) FROM reversals WHERE status = ANY(@statuses) GROUP BY status", connection))
        {
            command.Parameters.AddWithValue("statuses", UnfinishedStatuses);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                string status = reader.GetString(0);
                unfinished[status] = reader.GetInt64(1);
                if (status == ReversalStatus.Pending)
                {
                    oldestPendingAge = Math.Max(0, (now - reader.GetFieldValue<DateTimeOffset>(2)).TotalSeconds);
                }
            }
        }

        await using (var command = new NpgsqlCommand(
            "SELECT status, requested_at, updated_at FROM reversals WHERE status = ANY(@statuses) AND updated_at > @since " +
            "ORDER BY updated_at LIMIT @limit", connection))
        {
            command.Parameters.AddWithValue("statuses", new[] { ReversalStatus.Completed, ReversalStatus.Failed });
            command.Parameters.AddWithValue("since", _finishedSince);
            command.Parameters.AddWithValue("limit", MaxFinishedPerPoll);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var updatedAt = reader.GetFieldValue<DateTimeOffset>(2);
                _duration.Record(Math.Max(0, (updatedAt - reader.GetFieldValue<DateTimeOffset>(1)).TotalSeconds),
                    new KeyValuePair<string, object?>("outcome", reader.GetString(0)));
                _finishedSince = updatedAt;
            }
        }

        _unfinished = unfinished;
        Volatile.Write(ref _oldestPendingAgeSeconds, oldestPendingAge);
    }

    private IEnumerable<Measurement<long>> ObserveUnfinished() =>
        _unfinished.Select(p => new Measurement<long>(p.Value, new KeyValuePair<string, object?>("status", p.Key)));
}
