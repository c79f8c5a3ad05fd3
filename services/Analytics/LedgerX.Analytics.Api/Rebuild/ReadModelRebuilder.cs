using LedgerX.ServiceDefaults.Telemetry;
using System.Diagnostics;
using LedgerX.Analytics.Api.Caching;
using LedgerX.Analytics.Api.Events;
using LedgerX.Analytics.Api.Persistence;
using LedgerX.Analytics.Api.Projections;
using LedgerX.ServiceDefaults.Audit;
using Microsoft.Extensions.Options;
using Npgsql;

namespace LedgerX.Analytics.Api.Rebuild;

public sealed record RebuildReport(long EventsRead, long EventsApplied, long LastSequence, long DurationMs);

/// <summary>
/// Rebuilds the ledger-derived read models by replaying transaction-service's event log, in ONE database transaction:
/// lock processed_events against live consumers, truncate, replay every page, commit. Readers see the old tables
/// until the commit and the new ones after, never a half-built state; live deliveries wait for the commit and then
/// find their event already applied (or apply it, if it came after the last page). Account owners are in the ledger's
/// log too (account.opened.v1), so they are rebuilt with the rest. Alert counts come from
/// fraud-service, which has no log to replay, so they are kept. The rebuild's audit event (who asked, what was
/// replayed) is written in the same transaction: a rebuild that committed is audited, one that failed or was busy never.
/// </summary>
public sealed class ReadModelRebuilder(
    NpgsqlDataSource database, ILedgerEventLog ledger, QueryCache cache, IOptions<AnalyticsOptions> options, AnalyticsMetrics metrics,
    TimeProvider clock, AuditOutboxSignal auditSignal, ILogger<ReadModelRebuilder> log)
{
    /// <summary>Transaction-scoped advisory lock id: one rebuild at a time across all replicas.</summary>
    internal const long RebuildLockId = 0x4c58_414e_414c_5954; // "LXANALYT"

    private readonly SemaphoreSlim _running = new(1, 1);

    /// <summary>Runs a rebuild for <paramref name="caller"/>, reading the ledger's log with their
    /// <paramref name="authorization"/> (the request's <c>Authorization</c> header, forwarded: the export is theirs), or
    /// returns null at once if one is already running (here or in another replica).</summary>
    public async Task<RebuildReport?> TryRebuildAsync(AuditActor caller, string? authorization, CancellationToken ct)
    {
        if (!await _running.WaitAsync(0, ct))
        {
            return null;
        }
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(options.Value.RebuildTimeoutSeconds));
            var report = await RebuildAsync(caller, authorization, timeout.Token);
            metrics.Rebuilt(report is null ? "busy" : "completed");
            return report;
        }
        catch
        {
            metrics.Rebuilt("failed");
            throw;
        }
        finally
        {
            _running.Release();
        }
    }

    private async Task<RebuildReport?> RebuildAsync(AuditActor caller, string? authorization, CancellationToken ct)
    {
        var started = Stopwatch.StartNew();
        await using var connection = await database.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using (var lockCommand = new NpgsqlCommand("SELECT pg_try_advisory_xact_lock($1)", connection, transaction))
        {
            lockCommand.Parameters.Add(new NpgsqlParameter<long> { TypedValue = RebuildLockId });
            if (await lockCommand.ExecuteScalarAsync(ct) is not true)
            {
                return null;
            }
        }
        // Live consumers claim an event id in processed_events first; holding this lock before touching the
        // projection tables keeps the lock order the same as theirs (no deadlock), and makes them wait.
        await using (var reset = new NpgsqlCommand(
            "LOCK TABLE processed_events IN EXCLUSIVE MODE; " +
            "TRUNCATE balance_points, spending_entries, reversal_adjustments, counterparties, daily_volumes, daily_activity, account_owners; " +
            $"DELETE FROM processed_events WHERE origin = '{EventOrigins.Ledger}';", connection, transaction))
        {
            await reset.ExecuteNonQueryAsync(ct);
        }

        long after = 0, read = 0, applied = 0;
        var pageSize = options.Value.RebuildPageSize;
        while (true)
        {
            var page = await ledger.GetEventsAsync(after, pageSize, authorization, ct);
            foreach (var item in page.Items)
            {
                // The log is gapless and ordered; anything else means the cursor is wrong and the replay would be too.
                if (item.Sequence <= after)
                {
                    throw new InvalidOperationException($"The ledger's log went backwards: {item.Sequence} after {after}.");
                }
                after = item.Sequence;
                read++;
                if (EventDecoder.Decode(item.Type, item.Payload) is { } e
                    && await ProjectionWriter.ApplyInTransactionAsync(connection, transaction, item.Type, e, Projector.Project(item.Type, e), ct))
                {
                    applied++;
                }
            }
            if (page.IsLastPage)
            {
                break;
            }
        }

        var audit = AuditRecorded.Create(clock, AppIds.AnalyticsService, caller, AuditActions.AnalyticsRebuilt, AuditOutcomes.Succeeded,
            new AuditSubject("read_models", AppIds.AnalyticsService), new Dictionary<string, string>
            {
                ["eventsRead"] = read.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["lastSequence"] = after.ToString(System.Globalization.CultureInfo.InvariantCulture),
            });
        await using (var batch = new NpgsqlBatch(connection, transaction) { BatchCommands = { AuditOutbox.InsertCommand(audit, OutboxTrace.Current) } })
        {
            await batch.ExecuteNonQueryAsync(ct);
        }
        await transaction.CommitAsync(ct);
        auditSignal.Notify();
        await cache.InvalidateAllAsync(ct);
        log.LogInformation("Rebuilt the read models from {EventsRead} ledger events ({EventsApplied} applied) up to sequence {LastSequence} in {DurationMs} ms",
            read, applied, after, started.ElapsedMilliseconds);
        return new RebuildReport(read, applied, after, started.ElapsedMilliseconds);
    }
}
