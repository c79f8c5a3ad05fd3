using Npgsql;

namespace LedgerX.Transactions.Api.Ledger;

/// <summary>The statements of a batch's load whose form depends on what the batch names (split from LedgerStore.cs to
/// keep it under the house limit): which accounts to lock, and the reads of entries only reversals need.</summary>
internal static partial class LedgerStore
{
    /// <summary>
    /// Locks and reads the batch's accounts, in id order (so writers never deadlock), in one of three fixed forms. A batch
    /// of transfers names its accounts and nothing else, and a batch of deposits or withdrawals adds the currencies' world
    /// accounts; only holds and entries need the general form, whose other branches find accounts through them. Each form
    /// is prepared once per connection, and a prepared (generic) plan cannot see that a branch's array is empty: the
    /// general form cost a batch of transfers 1.07 ms where a custom plan took 0.29 ms (docs/benchmarks.md, "Ledger
    /// write path"), for branches that return nothing.
    /// </summary>
    private static NpgsqlBatchCommand AccountLoad(Guid[] accountIds, string[] worldCurrencies, Guid[] holdIds, Guid[] entryIds)
    {
        const string columns = "SELECT id, owner_id, currency, kind, status, overdraft_limit, balance, held, metadata, opened_at, version FROM accounts";
        if (holdIds.Length == 0 && entryIds.Length == 0 && worldCurrencies.Length == 0)
        {
            return Command($"{columns} WHERE id = ANY($1) ORDER BY id FOR UPDATE", new NpgsqlParameter<Guid[]> { TypedValue = accountIds });
        }
        if (holdIds.Length == 0 && entryIds.Length == 0)
        {
            // The world accounts by the partial unique index on their currency.
            return Command(
                $"""
                {columns}
                WHERE id = ANY(ARRAY(SELECT unnest($1::uuid[]) UNION SELECT id FROM accounts WHERE kind = 'world' AND currency = ANY($2)))
                ORDER BY id
                FOR UPDATE
                """,
                new NpgsqlParameter<Guid[]> { TypedValue = accountIds },
                new NpgsqlParameter<string[]> { TypedValue = worldCurrencies });
        }
        // Primary-key access whatever the statistics say: the wanted ids are collected into one array first (an InitPlan),
        // and `id = ANY(that array)` leaves the planner no join to choose. As a semi-join (`id IN (SELECT …)`) the planner
        // chose between a primary-key nested loop and a hash join over a full scan of accounts on its row estimates, so
        // the plan flipped with autoanalyze (a fresh database has no statistics for its first minute or two), and the
        // full scan's cost grows with the table (docs/benchmarks.md, "Plans independent of statistics").
        return Command(
            $"""
            {columns}
            WHERE id = ANY(ARRAY(
                SELECT unnest($1::uuid[])
                UNION SELECT account_id FROM holds WHERE id = ANY($3)
                UNION SELECT to_account_id FROM holds WHERE id = ANY($3)
                UNION SELECT id FROM accounts WHERE kind = 'world' AND currency = ANY($2)
                UNION SELECT account_id FROM postings WHERE entry_id = ANY($4)))
            ORDER BY id
            FOR UPDATE
            """,
            new NpgsqlParameter<Guid[]> { TypedValue = accountIds },
            new NpgsqlParameter<string[]> { TypedValue = worldCurrencies },
            new NpgsqlParameter<Guid[]> { TypedValue = holdIds },
            // The accounts of the entries a command names (a reversal request): whose they are is what access checks read.
            new NpgsqlParameter<Guid[]> { TypedValue = entryIds });
    }

    /// <summary>
    /// Entries a reversal decides on, and the entry each of them reversed (a compensation gives back to that one).
    /// Read after the head lock: reversals are appended only under it, so what was reversed cannot change meanwhile.
    /// `= ANY(ARRAY(…))` for the same reason as the account load in <see cref="LoadAsync"/>: index access to journal_entries
    /// and postings (their largest tables) however stale the statistics, where `IN (SELECT …)` let the planner hash-join a
    /// full scan.
    /// </summary>
    private static void AddEntryReads(NpgsqlBatch batch, Guid[] entryIds)
    {
        const string wantedEntries =
            "ARRAY(SELECT unnest($1::uuid[]) UNION SELECT reverses_entry_id FROM journal_entries WHERE id = ANY($1) AND reverses_entry_id IS NOT NULL)";
        batch.BatchCommands.Add(Command(
            $"""
            SELECT e.id, e.kind, e.reverses_entry_id, e.posted_at,
                (SELECT count(*) FROM postings p WHERE p.entry_id = e.id),
                (SELECT p.account_id FROM postings p WHERE p.entry_id = e.id AND p.direction = 'debit' ORDER BY p.line LIMIT 1),
                (SELECT p.account_id FROM postings p WHERE p.entry_id = e.id AND p.direction = 'credit' ORDER BY p.line LIMIT 1)
            FROM journal_entries e WHERE e.id = ANY({wantedEntries})
            """, new NpgsqlParameter<Guid[]> { TypedValue = entryIds }));
        batch.BatchCommands.Add(Command(
            $"""
            SELECT p.entry_id, p.currency, sum(p.amount)::bigint FROM postings p
            WHERE p.entry_id = ANY({wantedEntries}) AND p.direction = 'credit' GROUP BY p.entry_id, p.currency
            """, new NpgsqlParameter<Guid[]> { TypedValue = entryIds }));
        batch.BatchCommands.Add(Command(
            $"""
            SELECT r.reverses_entry_id, p.currency,
                sum(p.amount - coalesce((SELECT sum(cp.amount) FROM journal_entries c JOIN postings cp ON cp.entry_id = c.id
                                         WHERE c.reverses_entry_id = r.id AND cp.direction = 'credit' AND cp.currency = p.currency), 0))::bigint
            FROM journal_entries r JOIN postings p ON p.entry_id = r.id AND p.direction = 'credit'
            WHERE r.reverses_entry_id = ANY({wantedEntries})
            GROUP BY r.reverses_entry_id, p.currency
            """, new NpgsqlParameter<Guid[]> { TypedValue = entryIds }));
    }
}
