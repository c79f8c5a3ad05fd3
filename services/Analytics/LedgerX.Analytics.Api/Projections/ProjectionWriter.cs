using LedgerX.Analytics.Api.Caching;
using LedgerX.Analytics.Api.Events;
using LedgerX.Analytics.Api.Persistence;
using Npgsql;
using NpgsqlTypes;

namespace LedgerX.Analytics.Api.Projections;

/// <summary>
/// Applies an event to the read models exactly once: its id goes into processed_events in the same database
/// transaction as the changes it makes, and a second delivery finds the id there and changes nothing.
/// </summary>
public sealed class ProjectionWriter(NpgsqlDataSource database, QueryCache cache, AnalyticsMetrics metrics, ILogger<ProjectionWriter> log)
{
    /// <summary>The live path (a pub/sub delivery). Returns false when the event had already been applied.</summary>
    public async Task<bool> ApplyAsync(string type, ConsumedEvent e, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(e);
        var changes = Projector.Project(type, e);
        bool applied;
        await using (var connection = await database.OpenConnectionAsync(ct))
        await using (var transaction = await connection.BeginTransactionAsync(ct))
        {
            applied = await ApplyInTransactionAsync(connection, transaction, type, e, changes, ct);
            if (applied)
            {
                await transaction.CommitAsync(ct);
            }
        }
        // Also on a duplicate: the first delivery may have committed and then failed to reach the state store,
        // and its redelivery is what makes the cached answers catch up.
        await cache.InvalidateAsync(changes.AccountsTouched, ct);
        metrics.EventConsumed(type, applied);
        if (!applied)
        {
            log.LogInformation("Event {EventId} ({Type}) was already applied; delivery acknowledged without changes", e.EventId, type);
        }
        return applied;
    }

    /// <summary>Claims the event id and writes its changes inside the caller's transaction (the live path's own, or
    /// the rebuild's one transaction). Returns false, having written nothing, if the id was already claimed.</summary>
    internal static async Task<bool> ApplyInTransactionAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string type, ConsumedEvent e, ProjectionChanges changes, CancellationToken ct)
    {
        await using (var claim = new NpgsqlCommand(
            "INSERT INTO processed_events (event_id, type, origin, processed_at) VALUES ($1, $2, $3, now()) ON CONFLICT (event_id) DO NOTHING",
            connection, transaction))
        {
            claim.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = e.EventId });
            claim.Parameters.Add(new NpgsqlParameter<string> { TypedValue = type });
            claim.Parameters.Add(new NpgsqlParameter<string> { TypedValue = e is FraudFlagged ? EventOrigins.Fraud : EventOrigins.Ledger });
            if (await claim.ExecuteNonQueryAsync(ct) == 0)
            {
                return false;
            }
        }

        await using var batch = new NpgsqlBatch(connection, transaction);
        // Rows are written in a fixed order (table, then key), so two consumers touching the same counters cannot
        // deadlock on each other.
        foreach (var p in changes.BalancePoints.OrderBy(p => p.AccountId))
        {
            batch.BatchCommands.Add(Command(
                "INSERT INTO balance_points (account_id, sequence, occurred_at, currency, balance_after_minor, entry_kind) " +
                "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (account_id, sequence) DO NOTHING",
                P(p.AccountId), P(p.Sequence), P(p.OccurredAt.ToUniversalTime()), P(p.Currency), P(p.BalanceAfterMinor), P(p.EntryKind)));
        }
        // Spending and reversal adjustments are facts keyed by entry: inserting them never depends on which came first,
        // and the query nets them (AccountAnalyticsApi.Spending).
        foreach (var s in changes.Spending.OrderBy(s => s.AccountId).ThenBy(s => s.Currency, StringComparer.Ordinal))
        {
            batch.BatchCommands.Add(Command(
                "INSERT INTO spending_entries (entry_id, account_id, currency, month, category, amount_minor, entries) VALUES ($1, $2, $3, $4, $5, $6, 1) " +
                "ON CONFLICT (entry_id, account_id, currency) DO NOTHING",
                P(s.EntryId), P(s.AccountId), P(s.Currency), P(s.Month), P(s.Category), P(s.AmountMinor)));
        }
        foreach (var a in changes.ReversalAdjustments.OrderBy(a => a.AccountId).ThenBy(a => a.Currency, StringComparer.Ordinal))
        {
            batch.BatchCommands.Add(Command(
                "INSERT INTO reversal_adjustments (entry_id, account_id, currency, reverses_entry_id, net_minor) VALUES ($1, $2, $3, $4, $5) " +
                "ON CONFLICT (entry_id, account_id, currency) DO NOTHING",
                P(a.EntryId), P(a.AccountId), P(a.Currency), P(a.ReversesEntryId), P(a.NetMinor)));
        }
        foreach (var c in changes.Counterparties.OrderBy(c => c.AccountId).ThenBy(c => c.CounterpartyId))
        {
            batch.BatchCommands.Add(Command(
                "INSERT INTO counterparties (account_id, counterparty_id, currency, sent_minor, received_minor, entries) VALUES ($1, $2, $3, $4, $5, 1) " +
                "ON CONFLICT (account_id, counterparty_id, currency) DO UPDATE SET sent_minor = counterparties.sent_minor + excluded.sent_minor, " +
                "received_minor = counterparties.received_minor + excluded.received_minor, entries = counterparties.entries + 1",
                P(c.AccountId), P(c.CounterpartyId), P(c.Currency), P(c.SentMinor), P(c.ReceivedMinor)));
        }
        foreach (var v in changes.DailyVolumes.OrderBy(v => v.Currency, StringComparer.Ordinal))
        {
            batch.BatchCommands.Add(Command(
                "INSERT INTO daily_volumes (day, currency, kind, entries, amount_minor) VALUES ($1, $2, $3, 1, $4) " +
                "ON CONFLICT (day, currency, kind) DO UPDATE SET entries = daily_volumes.entries + 1, amount_minor = daily_volumes.amount_minor + excluded.amount_minor",
                P(v.Day), P(v.Currency), P(v.Kind), P(v.AmountMinor)));
        }
        foreach (var a in changes.DailyActivity)
        {
            batch.BatchCommands.Add(Command(
                "INSERT INTO daily_activity (day, activity, events) VALUES ($1, $2, 1) " +
                "ON CONFLICT (day, activity) DO UPDATE SET events = daily_activity.events + 1",
                P(a.Day), P(a.Activity)));
        }
        foreach (var a in changes.Alerts)
        {
            batch.BatchCommands.Add(Command(
                "INSERT INTO alert_counts (account_id, day, alerts, max_score) VALUES ($1, $2, 1, $3) " +
                "ON CONFLICT (account_id, day) DO UPDATE SET alerts = alert_counts.alerts + 1, max_score = GREATEST(alert_counts.max_score, excluded.max_score)",
                P(a.AccountId), P(a.Day), P(a.Score)));
        }
        foreach (var o in changes.Owners.OrderBy(o => o.AccountId))
        {
            batch.BatchCommands.Add(Command(
                "INSERT INTO account_owners (account_id, owner_id) VALUES ($1, $2) ON CONFLICT (account_id) DO NOTHING",
                P(o.AccountId), P(o.OwnerId)));
        }
        if (batch.BatchCommands.Count > 0)
        {
            await batch.ExecuteNonQueryAsync(ct);
        }
        return true;
    }

    private static NpgsqlBatchCommand Command(string sql, params NpgsqlParameter[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.AddRange(parameters);
        return command;
    }

    private static NpgsqlParameter<T> P<T>(T value) => new() { TypedValue = value };

    private static NpgsqlParameter<decimal> P(decimal value) => new() { TypedValue = value, NpgsqlDbType = NpgsqlDbType.Numeric };
}
