using System.Diagnostics;
using LedgerX.Cli.Chaos.Load;
using LedgerX.Cli.Verify;
using Npgsql;

namespace LedgerX.Cli.Chaos.Invariants;

/// <summary>One invariant's verdict and what the check found, in words a reader of the report can act on.</summary>
internal sealed record InvariantVerdict(string Invariant, bool Holds, string Found);

/// <summary>Where the checker reads: each service's own database (read-only SQL) and the gateway as the load's caller.</summary>
internal sealed record InvariantSources(
    string Ledger, string Fraud, string Analytics, string Notifications, HttpClient Gateway, Uri GatewayUrl);

/// <summary>
/// What must hold after every scenario, one method per invariant, each saying what it found. The ledger's invariants hold
/// at once; the ones that depend on delivery (outbox drained, events delivered, read models converged) are waited for
/// up to <see cref="_settle"/>, since the system may still be catching up with what the fault held back.
/// </summary>
/// <param name="reversals">The reversals the load asked for (none when it asked for none): each accepted one must reach
/// an end, and each of its keys must stand for one reversal.</param>
internal sealed class InvariantCheck(InvariantSources sources, IReadOnlyCollection<TransferAttempt> transfers, IReadOnlyList<Guid> accounts, TimeSpan settle,
    IReadOnlyCollection<ReversalAttempt>? reversals = null)
{
    private readonly IReadOnlyCollection<ReversalAttempt> _reversals = reversals ?? [];

    public const string PostedTopic = "transaction.posted.v1";
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(500);
    private readonly TimeSpan _settle = settle;

    public async Task<IReadOnlyList<InvariantVerdict>> RunAsync(CancellationToken ct) =>
    [
        await MoneyConservedAsync(ct),
        await NoBalancePastItsLimitAsync(ct),
        await AcknowledgedTransfersExactlyOnceAsync(ct),
        await VerifyCleanAsync(ct),
        await OutboxDrainedAsync(ct),
        await EventsDeliveredOnceToEachConsumerAsync(ct),
        await SagasTerminalAsync(ct),
        await ReadModelsConvergedAsync(ct),
        await NotificationsNotDuplicatedAsync(ct),
    ];

    /// <summary>Per currency the balances sum to zero (world accounts hold the other side of every deposit), every
    /// entry's debits equal its credits, and every account's balance is the balance its last posting left.</summary>
    public async Task<InvariantVerdict> MoneyConservedAsync(CancellationToken ct)
    {
        const string name = "money conserved per currency";
        var unbalancedCurrencies = await ListAsync(sources.Ledger,
            "SELECT currency || ' sums to ' || SUM(balance) FROM accounts GROUP BY currency HAVING SUM(balance) <> 0", ct);
        var unbalancedEntries = await ListAsync(sources.Ledger,
            "SELECT entry_id::text FROM postings GROUP BY entry_id, currency HAVING SUM(CASE WHEN direction = 'debit' THEN amount ELSE -amount END) <> 0 LIMIT 5", ct);
        var drifted = await ListAsync(sources.Ledger, """
            SELECT a.id::text || ' balance ' || a.balance || ' but last posting left ' || COALESCE(last.balance_after, 0)
            FROM accounts a LEFT JOIN LATERAL (
                SELECT p.balance_after FROM postings p WHERE p.account_id = a.id ORDER BY p.sequence DESC, p.line DESC LIMIT 1) last ON true
            WHERE a.balance <> COALESCE(last.balance_after, 0) LIMIT 5
            """, ct);
        long accountsCount = await ScalarAsync(sources.Ledger, "SELECT count(*) FROM accounts", ct);
        var problems = unbalancedCurrencies.Concat(unbalancedEntries.Select(e => $"entry {e} unbalanced")).Concat(drifted).ToList();
        return new InvariantVerdict(name, problems.Count == 0,
            problems.Count == 0 ? $"{accountsCount} accounts; every currency sums to 0, every entry balanced, every balance = its postings" : string.Join("; ", problems));
    }

    /// <summary>No customer account's available balance (balance − held) is below −overdraft limit.</summary>
    public async Task<InvariantVerdict> NoBalancePastItsLimitAsync(CancellationToken ct)
    {
        var past = await ListAsync(sources.Ledger,
            "SELECT id::text || ' available ' || (balance - held) || ' limit ' || overdraft_limit FROM accounts WHERE kind = 'customer' AND balance - held < -overdraft_limit LIMIT 5", ct);
        return new InvariantVerdict("no balance past its limit", past.Count == 0, past.Count == 0 ? "every customer account within its overdraft limit" : string.Join("; ", past));
    }

    /// <summary>Every acknowledged transfer (201) is in the journal once, under the entry id it was acknowledged with,
    /// and its Idempotency-Key's stored answer names that entry; every transfer entry between the load's accounts has
    /// a key of the load (an entry without one would be a request applied twice).</summary>
    public async Task<InvariantVerdict> AcknowledgedTransfersExactlyOnceAsync(CancellationToken ct)
    {
        var acknowledged = transfers.Where(t => t.EntryId is not null).ToList();
        var keyed = await KeyedIdsAsync(transfers.Select(t => t.Key).ToArray(), 201, ct);
        var missing = acknowledged.Where(t => !keyed.TryGetValue(t.Key, out var entry) || entry != t.EntryId).Select(t => t.Key).ToList();
        var journal = await ListAsync(sources.Ledger, """
            SELECT DISTINCT p.entry_id::text FROM postings p JOIN journal_entries e ON e.id = p.entry_id
            WHERE e.kind = 'transfer' AND p.account_id = ANY(@accounts)
            """, ct, ("accounts", accounts.ToArray()));
        var keyedIds = keyed.Values.Select(v => v.ToString()).ToHashSet(StringComparer.Ordinal);
        var unexplained = journal.Where(id => !keyedIds.Contains(id)).ToList();
        int unknown = transfers.Count - acknowledged.Count;
        bool holds = missing.Count == 0 && unexplained.Count == 0 && journal.Count == keyed.Count;
        return new InvariantVerdict("every acknowledged transfer exactly once", holds,
            $"{acknowledged.Count} acknowledged, {unknown} not acknowledged of which {keyed.Count - acknowledged.Count} applied once; " +
            $"{journal.Count} transfer entries in the journal" +
            (missing.Count > 0 ? $"; acknowledged but not in the journal under their entry: {string.Join(", ", missing.Take(5))}" : "") +
            (unexplained.Count > 0 ? $"; entries without a key of the load (applied twice?): {string.Join(", ", unexplained.Take(5))}" : ""));
    }

    /// <summary>The id each key's stored answer (of <paramref name="status"/>) names: what the ledger says the key did.</summary>
    private async Task<Dictionary<string, Guid>> KeyedIdsAsync(string[] keys, int status, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(sources.Ledger);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(
            "SELECT key, (convert_from(response_body, 'UTF8')::jsonb ->> 'id') FROM idempotency_keys WHERE key = ANY(@keys) AND status_code = @status", connection);
        command.Parameters.AddWithValue("keys", keys);
        command.Parameters.AddWithValue("status", status);
        var result = new Dictionary<string, Guid>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            if (!reader.IsDBNull(1) && Guid.TryParse(reader.GetString(1), out var id))
            {
                result[reader.GetString(0)] = id;
            }
        }

        return result;
    }

    /// <summary><c>GET /api/v1/ledger/verify</c>: the hash chain and the replayed balances agree with the tables.</summary>
    public async Task<InvariantVerdict> VerifyCleanAsync(CancellationToken ct)
    {
        var outcome = await VerifyClient.VerifyAsync(sources.Gateway, sources.GatewayUrl, ct);
        return outcome switch
        {
            VerifyOutcome.Answered { Report.Ok: true } ok => new("ledger verify clean", true, $"{ok.Report.EventsChecked} events, {ok.Report.AccountsChecked} accounts replayed"),
            VerifyOutcome.Answered bad => new("ledger verify clean", false, $"first discrepancy: {bad.Report.FirstDiscrepancy?.Message}"),
            VerifyOutcome.Unreachable u => new("ledger verify clean", false, $"verify unreachable: {u.Reason}"),
            _ => new("ledger verify clean", false, outcome.ToString()),
        };
    }

    /// <summary>Every outbox row of the ledger and of fraud-service was sent (waited for up to the settle time).</summary>
    public async Task<InvariantVerdict> OutboxDrainedAsync(CancellationToken ct)
    {
        const string pending = "SELECT count(*) FROM outbox WHERE sent_at IS NULL";
        var (drained, found) = await EventuallyAsync(async () =>
        {
            long ledger = await ScalarAsync(sources.Ledger, pending, ct);
            long fraud = await ScalarAsync(sources.Fraud, pending, ct);
            return (ledger == 0 && fraud == 0, $"unsent: ledger {ledger}, fraud-service {fraud}");
        }, ct);
        return new InvariantVerdict("outbox drained", drained, found);
    }

    /// <summary>Every <c>transaction.posted.v1</c> the ledger sent is in the processed-event table of each consumer
    /// (fraud, analytics, notifications; a table keyed by event id, so once at most); none is missing.</summary>
    public async Task<InvariantVerdict> EventsDeliveredOnceToEachConsumerAsync(CancellationToken ct)
    {
        var (delivered, found) = await EventuallyAsync(async () =>
        {
            var sent = (await ListAsync(sources.Ledger,
                "SELECT e.event_id::text FROM outbox o JOIN event_log e ON e.sequence = o.sequence WHERE o.topic = @topic AND o.sent_at IS NOT NULL", ct,
                ("topic", PostedTopic))).ToHashSet(StringComparer.Ordinal);
            var fraud = await MissingAsync(sources.Fraud, "SELECT event_id::text FROM processed_events", sent, ct);
            var analytics = await MissingAsync(sources.Analytics, "SELECT event_id::text FROM processed_events", sent, ct);
            var notifications = await MissingAsync(sources.Notifications, "SELECT event_id::text FROM intake_processed_events", sent, ct);
            return (fraud + analytics + notifications == 0,
                $"{sent.Count} {PostedTopic} sent; missing at fraud-service {fraud}, analytics-service {analytics}, notification-service {notifications}");
        }, ct);
        return new InvariantVerdict("events delivered exactly once to each consumer", delivered, found);
    }

    private async Task<int> MissingAsync(string database, string sql, HashSet<string> sent, CancellationToken ct)
    {
        var processed = (await ListAsync(database, sql, ct)).ToHashSet(StringComparer.Ordinal);
        return sent.Count(id => !processed.Contains(id));
    }

    /// <summary>No reversal saga is left <c>pending</c> (completed, failed, or parked awaiting a person's approval); every
    /// reversal the load had accepted (202) is in the table under its id and ended (completed or failed: below the
    /// approval threshold, none waits for a person); and the load's entries were reversed only under the load's keys,
    /// one reversal per key (a reversal without one would be a request applied twice).</summary>
    public async Task<InvariantVerdict> SagasTerminalAsync(CancellationToken ct)
    {
        var accepted = _reversals.Where(r => r.ReversalId is not null).ToList();
        var (terminal, found) = await EventuallyAsync(async () =>
        {
            var byStatus = await ListAsync(sources.Ledger, "SELECT status || ' ' || count(*) FROM reversals GROUP BY status ORDER BY status", ct);
            long pending = await ScalarAsync(sources.Ledger, "SELECT count(*) FROM reversals WHERE status = 'pending'", ct);
            var status = await ListAsync(sources.Ledger, "SELECT id::text || ' ' || status FROM reversals WHERE id = ANY(@ids)", ct,
                ("ids", accepted.Select(r => r.ReversalId!.Value).ToArray()));
            var statusOf = status.Select(row => row.Split(' ')).ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
            var unended = accepted.Where(r => statusOf.GetValueOrDefault(r.ReversalId!.Value.ToString()) is not ("completed" or "failed"))
                .Select(r => $"{r.ReversalId} {statusOf.GetValueOrDefault(r.ReversalId!.Value.ToString()) ?? "missing"}").ToList();
            var summary = (byStatus.Count == 0 ? "no reversals" : string.Join(", ", byStatus))
                + (_reversals.Count == 0 ? "" : $"; the load's: {accepted.Count} accepted of {_reversals.Count} asked")
                + (unended.Count == 0 ? "" : $"; not ended: {string.Join(", ", unended.Take(5))}");
            return (pending == 0 && unended.Count == 0, summary);
        }, ct);
        if (!terminal || _reversals.Count == 0)
        {
            return new InvariantVerdict("sagas terminal", terminal, found);
        }

        var (once, onceFound) = await ReversalsOncePerKeyAsync(accepted, ct);
        return new InvariantVerdict("sagas terminal", once, onceFound.Length == 0 ? found : $"{found}; {onceFound}");
    }

    private async Task<(bool Holds, string Found)> ReversalsOncePerKeyAsync(List<ReversalAttempt> accepted, CancellationToken ct)
    {
        var keyed = await KeyedIdsAsync(_reversals.Select(r => r.Key).ToArray(), 202, ct);
        var misnamed = accepted.Where(r => !keyed.TryGetValue(r.Key, out var id) || id != r.ReversalId).Select(r => r.Key).ToList();
        var entries = _reversals.Select(r => r.EntryId).Distinct().ToArray();
        var rows = await ListAsync(sources.Ledger, "SELECT id::text FROM reversals WHERE entry_id = ANY(@entries)", ct, ("entries", entries));
        var keyedIds = keyed.Values.Select(v => v.ToString()).ToHashSet(StringComparer.Ordinal);
        var unexplained = rows.Where(id => !keyedIds.Contains(id)).ToList();
        if (misnamed.Count == 0 && unexplained.Count == 0)
        {
            return (true, "");
        }

        return (false,
            (misnamed.Count > 0 ? $"accepted but the key's stored answer names another reversal: {string.Join(", ", misnamed.Take(5))}; " : "") +
            (unexplained.Count > 0 ? $"reversals of the load's entries without a key of the load (applied twice?): {string.Join(", ", unexplained.Take(5))}" : ""));
    }

    /// <summary>analytics-service's balance history ends, for every account of the load, at the ledger's balance.</summary>
    public async Task<InvariantVerdict> ReadModelsConvergedAsync(CancellationToken ct)
    {
        var (converged, found) = await EventuallyAsync(async () =>
        {
            var ledger = await BalancesAsync(sources.Ledger, "SELECT id, balance FROM accounts WHERE id = ANY(@accounts)", ct);
            var analytics = await BalancesAsync(sources.Analytics,
                "SELECT DISTINCT ON (account_id) account_id, balance_after_minor FROM balance_points WHERE account_id = ANY(@accounts) ORDER BY account_id, sequence DESC", ct);
            var behind = ledger.Where(kv => !analytics.TryGetValue(kv.Key, out long read) || read != kv.Value)
                .Select(kv => $"{kv.Key}: ledger {kv.Value}, analytics {(analytics.TryGetValue(kv.Key, out long r) ? r : "none")}").ToList();
            return (behind.Count == 0, behind.Count == 0 ? $"{ledger.Count} accounts agree" : string.Join("; ", behind.Take(3)));
        }, ct);
        return new InvariantVerdict("read models converged to the ledger", converged, found);
    }

    /// <summary>At most one notification per event, user and channel.</summary>
    public async Task<InvariantVerdict> NotificationsNotDuplicatedAsync(CancellationToken ct)
    {
        var duplicated = await ListAsync(sources.Notifications,
            "SELECT event_id::text || ' ' || channel || ' x' || count(*) FROM notifications GROUP BY event_id, user_id, channel HAVING count(*) > 1 LIMIT 5", ct);
        long total = await ScalarAsync(sources.Notifications, "SELECT count(*) FROM notifications", ct);
        return new InvariantVerdict("notifications not duplicated", duplicated.Count == 0,
            duplicated.Count == 0 ? $"{total} notifications, none twice" : string.Join("; ", duplicated));
    }

    private async Task<(bool Holds, string Found)> EventuallyAsync(Func<Task<(bool Holds, string Found)>> check, CancellationToken ct)
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            var (holds, found) = await check();
            if (holds || waited.Elapsed >= _settle)
            {
                return (holds, holds ? $"{found} (after {waited.Elapsed.TotalSeconds:F0}s)" : $"{found} after waiting {_settle.TotalSeconds:F0}s");
            }

            await Task.Delay(Poll, ct);
        }
    }

    private async Task<Dictionary<Guid, long>> BalancesAsync(string database, string sql, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("accounts", accounts.ToArray());
        var result = new Dictionary<Guid, long>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            result[reader.GetGuid(0)] = reader.GetInt64(1);
        }

        return result;
    }

    private static async Task<List<string>> ListAsync(string database, string sql, CancellationToken ct, params (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        var rows = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            rows.Add(reader.IsDBNull(0) ? "" : reader.GetString(0));
        }

        return rows;
    }

    private static async Task<long> ScalarAsync(string database, string sql, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(ct), global::System.Globalization.CultureInfo.InvariantCulture);
    }
}
