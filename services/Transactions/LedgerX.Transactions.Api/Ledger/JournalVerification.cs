using LedgerX.Transactions.Domain.Events;
using Npgsql;

namespace LedgerX.Transactions.Api.Ledger;

/// <summary>
/// What <c>GET /entries/{id}</c> and <c>GET /accounts/{id}/history</c> serve, checked against the event log: every
/// <c>journal_entries</c> and <c>postings</c> row, column by column, against the <c>transaction.posted.v1</c> event that
/// wrote it. The log is walked in sequence ranges (one page of the verifier's replay at a time), so memory holds one
/// page of events, never the journal.
/// </summary>
internal static class JournalVerification
{
    public const string Entries = "journal_entries";
    public const string Postings = "postings";

    /// <summary>Compares the rows of the entries whose sequence lies in (<paramref name="after"/>, <paramref name="upTo"/>]
    /// with <paramref name="posted"/>, the posted events of that range. Returns how many rows were compared.</summary>
    public static async Task<(long Entries, long Postings)> CheckRangeAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        long after, long upTo, IReadOnlyList<TransactionPosted> posted, DiscrepancyLog log, CancellationToken ct)
    {
        var entries = await CheckEntriesAsync(connection, transaction, after, upTo, posted, log, ct);
        var postings = await CheckPostingsAsync(connection, transaction, after, upTo, posted, log, ct);
        return (entries, postings);
    }

    private static async Task<long> CheckEntriesAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        long after, long upTo, IReadOnlyList<TransactionPosted> posted, DiscrepancyLog log, CancellationToken ct)
    {
        var expected = posted.ToDictionary(e => e.Sequence);
        var found = new HashSet<long>();
        await using var command = new NpgsqlCommand(
            """
            SELECT id, sequence, kind, description, category, metadata::text, reverses_entry_id, hold_id, posted_at
            FROM journal_entries WHERE sequence > $1 AND sequence <= $2
            """, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = after });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = upTo });
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                var (id, sequence) = (reader.GetGuid(0), reader.GetInt64(1));
                if (!expected.TryGetValue(sequence, out var e))
                {
                    log.Add(new Discrepancy("entry_unexpected",
                        $"journal_entries row {id} claims sequence {sequence}, where the event log posted no entry.",
                        sequence, Actual: id.ToString(), Table: Entries, Row: id.ToString()));
                    continue;
                }
                found.Add(sequence);
                var row = new RowComparison(log, "entry_mismatch", Entries, e.EntryId.ToString(), sequence, null);
                row.Column("id", StoredValues.Of(e.EntryId), StoredValues.Of(id));
                row.Column("kind", e.Kind, reader.GetString(2));
                row.Column("description", e.Description, reader.IsDBNull(3) ? null : reader.GetString(3));
                row.Column("category", e.Category, reader.IsDBNull(4) ? null : reader.GetString(4));
                row.Column("metadata", StoredValues.Of(e.Metadata), StoredValues.Metadata(reader.GetString(5)));
                row.Column("reverses_entry_id", StoredValues.Of(e.ReversesEntryId), StoredValues.Of(reader.IsDBNull(6) ? null : reader.GetGuid(6)));
                row.Column("hold_id", StoredValues.Of(e.HoldId), StoredValues.Of(reader.IsDBNull(7) ? null : reader.GetGuid(7)));
                row.Column("posted_at", StoredValues.Of(e.OccurredAt), StoredValues.Of(reader.GetFieldValue<DateTimeOffset>(8)));
            }
        }
        foreach (var e in posted.Where(e => !found.Contains(e.Sequence)))
        {
            log.Add(new Discrepancy("entry_missing", $"Entry {e.EntryId} (event {e.Sequence}) is in the event log but not in journal_entries.",
                e.Sequence, Expected: e.EntryId.ToString(), Table: Entries, Row: e.EntryId.ToString()));
        }
        return found.Count;
    }

    private static async Task<long> CheckPostingsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        long after, long upTo, IReadOnlyList<TransactionPosted> posted, DiscrepancyLog log, CancellationToken ct)
    {
        var expected = new Dictionary<(Guid Entry, int Line), (TransactionPosted Entry, PostingLine Posting)>();
        foreach (var e in posted)
        {
            for (var line = 0; line < e.Postings.Count; line++)
            {
                expected[(e.EntryId, line)] = (e, e.Postings[line]);
            }
        }
        var found = new HashSet<(Guid, int)>();
        // The postings of the range's logged entries, and of whatever entry rows claim the range: a posting moved to
        // another entry, or an entry inserted behind the ledger's back, shows up here as unexpected. Looked up entry by
        // entry through the primary key: OFFSET 0 keeps the planner from turning the lateral subquery into a hash join
        // over the whole postings table, which it prefers on small tables and which made the walk quadratic.
        await using var command = new NpgsqlCommand(
            """
            SELECT p.entry_id, p.line, p.account_id, p.direction, p.amount, p.currency, p.balance_after, p.sequence, p.posted_at
            FROM (SELECT id FROM journal_entries WHERE sequence > $1 AND sequence <= $2 UNION SELECT unnest($3::uuid[])) ids
            CROSS JOIN LATERAL (
                SELECT entry_id, line, account_id, direction, amount, currency, balance_after, sequence, posted_at
                FROM postings WHERE entry_id = ids.id OFFSET 0) p
            """, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = after });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = upTo });
        command.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = [.. posted.Select(e => e.EntryId)] });
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                var (entryId, line, accountId) = (reader.GetGuid(0), reader.GetInt32(1), reader.GetGuid(2));
                var key = $"{entryId} line {line}";
                if (!expected.TryGetValue((entryId, line), out var logged))
                {
                    log.Add(new Discrepancy("posting_unexpected", $"postings row {key} (account {accountId}) is not in the event log.",
                        reader.GetInt64(7), accountId, Table: Postings, Row: key));
                    continue;
                }
                found.Add((entryId, line));
                var (e, p) = logged;
                var row = new RowComparison(log, "posting_mismatch", Postings, key, e.Sequence, p.AccountId);
                row.Column("account_id", StoredValues.Of(p.AccountId), StoredValues.Of(accountId));
                row.Column("direction", p.Direction, reader.GetString(3));
                row.Column("amount", StoredValues.Of(p.Amount), StoredValues.Of(reader.GetInt64(4)));
                row.Column("currency", p.Currency, reader.GetString(5));
                row.Column("balance_after", StoredValues.Of(p.BalanceAfter), StoredValues.Of(reader.GetInt64(6)));
                row.Column("sequence", StoredValues.Of(e.Sequence), StoredValues.Of(reader.GetInt64(7)));
                row.Column("posted_at", StoredValues.Of(e.OccurredAt), StoredValues.Of(reader.GetFieldValue<DateTimeOffset>(8)));
            }
        }
        foreach (var ((entryId, line), (e, p)) in expected.Where(kv => !found.Contains(kv.Key)))
        {
            var key = $"{entryId} line {line}";
            log.Add(new Discrepancy("posting_missing", $"Posting {key} of event {e.Sequence} (account {p.AccountId}) is in the event log but not in postings.",
                e.Sequence, p.AccountId, Table: Postings, Row: key));
        }
        return found.Count;
    }

    /// <summary>Postings whose entry row does not exist at all (possible only with the foreign key dropped): no range
    /// query can meet them, and <c>/history</c> would still serve them.</summary>
    public static async Task CheckOrphanPostingsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, DiscrepancyLog log, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            "SELECT p.entry_id, p.line, p.account_id, p.sequence FROM postings p WHERE NOT EXISTS (SELECT 1 FROM journal_entries e WHERE e.id = p.entry_id)",
            connection, transaction);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var key = $"{reader.GetGuid(0)} line {reader.GetInt32(1)}";
            log.Add(new Discrepancy("posting_unexpected", $"postings row {key} belongs to no journal entry.",
                reader.GetInt64(3), reader.GetGuid(2), Table: Postings, Row: key));
        }
    }
}
