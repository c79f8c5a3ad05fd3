using System.Text.Json;
using LedgerX.ServiceDefaults.Audit;
using LedgerX.ServiceDefaults.Telemetry;
using LedgerX.Transactions.Api.Events;
using LedgerX.Transactions.Domain;
using LedgerX.Transactions.Domain.Events;
using Npgsql;
using NpgsqlTypes;

namespace LedgerX.Transactions.Api.Ledger;

/// <summary>What a batch starts from: its transaction's id (to ask later whether it committed), the log head (locked),
/// the accounts and holds its commands touch (locked), and the stored responses of the Idempotency-Keys it carries.</summary>
internal sealed record BatchSnapshot(ulong TransactionId, long HeadSequence, byte[] HeadHash, IReadOnlyList<Account> Accounts, IReadOnlyList<Hold> Holds,
    IReadOnlyList<PostedEntry> Entries, IReadOnlyDictionary<IdempotencyKey, StoredIdempotency> Idempotency);

internal sealed record StoredIdempotency(byte[] RequestHash, StoredResponse Response, DateTimeOffset ExpiresAt);

internal sealed record IdempotencyWrite(IdempotencyKey Key, byte[] RequestHash, StoredResponse Response);

/// <summary>
/// The writer's SQL: one round trip to load and lock what a batch needs, one to write everything it produced.
/// Multi-row writes use <c>unnest</c> over array parameters, so a batch of any size is a fixed number of statements.
/// </summary>
internal static partial class LedgerStore
{
    private static readonly JsonSerializerOptions Json = LedgerEventSerializer.Options;

    public static async Task<BatchSnapshot> LoadAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, LedgerDatabaseOptions timeouts,
        Guid[] accountIds, string[] worldCurrencies, Guid[] holdIds, Guid[] entryIds, IdempotencyKey[] idempotencyKeys, CancellationToken ct)
    {
        await using var batch = new NpgsqlBatch(connection, transaction);
        // This transaction's timeouts (SET LOCAL): a writer that stalls while holding the head lock (a frozen or
        // partitioned replica) is ended by the server, and one waiting behind it gives up and retries, instead of every
        // replica's writes stopping for as long as the network takes to notice. The transaction id is what the writer
        // asks pg_xact_status about if the COMMIT gets no answer (taking it assigns no id the row locks below would not).
        batch.BatchCommands.Add(Command(
            """
            SELECT set_config('lock_timeout', $1, true), set_config('statement_timeout', $2, true),
                set_config('idle_in_transaction_session_timeout', $3, true), pg_current_xact_id()::text
            """,
            new NpgsqlParameter<string> { TypedValue = Milliseconds(timeouts.LockTimeoutMs) },
            new NpgsqlParameter<string> { TypedValue = Milliseconds(timeouts.StatementTimeoutMs) },
            new NpgsqlParameter<string> { TypedValue = Milliseconds(timeouts.IdleInTransactionTimeoutMs) }));
        // The head row is the ledger-wide append lock: every writer (any replica) takes it first, so appends are
        // serialized, sequences stay gapless, and account locks below are always taken in one order (no deadlocks).
        batch.BatchCommands.Add(new("SELECT sequence, hash FROM ledger_head WHERE id = 1 FOR UPDATE"));
        // The idempotency keys and the holds are read only when the batch names some, for the reason the entry reads
        // below are: a batch of transfers without keys (the bench's) would send two prepared statements that return nothing.
        var readsKeys = idempotencyKeys.Length > 0;
        if (readsKeys)
        {
            // Keys live in their caller's scope (ADR 0005): the primary key (scope, key) is the lookup.
            batch.BatchCommands.Add(Command(
                """
                SELECT i.scope, i.key, i.request_hash, i.status_code, i.response_body, i.expires_at, i.response_location
                FROM idempotency_keys i JOIN unnest($1::text[], $2::text[]) AS wanted(scope, key) USING (scope, key)
                """,
                new NpgsqlParameter<string[]> { TypedValue = idempotencyKeys.Select(k => k.Scope.Value).ToArray() },
                new NpgsqlParameter<string[]> { TypedValue = idempotencyKeys.Select(k => k.Value).ToArray() }));
        }
        var readsHolds = holdIds.Length > 0;
        if (readsHolds)
        {
            batch.BatchCommands.Add(Command(
                """
                SELECT id, account_id, to_account_id, amount, currency, status, posted_amount, entry_id, description, created_at, expires_at, closed_at,
                    reversal_id
                FROM holds WHERE id = ANY($1)
                """,
                new NpgsqlParameter<Guid[]> { TypedValue = holdIds }));
        }
        batch.BatchCommands.Add(AccountLoad(accountIds, worldCurrencies, holdIds, entryIds));

        // Only a batch that names entries (a reversal request or step) asks for them: most batches name none, and the three
        // statements would then cost the server their execution for nothing (a prepared, generic plan cannot see that the
        // array is empty, and ran them at 0.3–1.3 ms each: docs/benchmarks.md, "Ledger write path").
        var readsEntries = entryIds.Length > 0;
        if (readsEntries)
        {
            AddEntryReads(batch, entryIds);
        }

        await using var reader = await batch.ExecuteReaderAsync(ct);

        await reader.ReadAsync(ct);
        var transactionId = ulong.Parse(reader.GetString(3), System.Globalization.CultureInfo.InvariantCulture);
        await reader.NextResultAsync(ct);
        if (!await reader.ReadAsync(ct))
        {
            throw new InvalidOperationException("The ledger_head row is missing; the database was not migrated.");
        }
        var headSequence = reader.GetInt64(0);
        var headHash = reader.GetFieldValue<byte[]>(1);

        var idempotency = new Dictionary<IdempotencyKey, StoredIdempotency>();
        if (readsKeys)
        {
            await reader.NextResultAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                idempotency[new IdempotencyKey(IdempotencyScope.Stored(reader.GetString(0)), reader.GetString(1))] = new StoredIdempotency(
                    reader.GetFieldValue<byte[]>(2),
                    new StoredResponse(reader.GetInt32(3), reader.GetFieldValue<byte[]>(4), reader.IsDBNull(6) ? null : reader.GetString(6)),
                    reader.GetFieldValue<DateTimeOffset>(5));
            }
        }

        var holds = new List<Hold>();
        if (readsHolds)
        {
            await reader.NextResultAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                holds.Add(Hold.Restore(new HoldId(reader.GetGuid(0)), new AccountId(reader.GetGuid(1)), new AccountId(reader.GetGuid(2)),
                    new Money(reader.GetInt64(3), Currency.Parse(reader.GetString(4))), Enum.Parse<HoldStatus>(reader.GetString(5), ignoreCase: true),
                    reader.GetInt64(6), reader.IsDBNull(7) ? null : new EntryId(reader.GetGuid(7)), reader.GetFieldValue<DateTimeOffset>(9),
                    reader.GetFieldValue<DateTimeOffset>(10), reader.IsDBNull(11) ? null : reader.GetFieldValue<DateTimeOffset>(11),
                    reader.IsDBNull(8) ? null : reader.GetString(8), reader.IsDBNull(12) ? null : new ReversalId(reader.GetGuid(12))));
            }
        }

        await reader.NextResultAsync(ct);
        var accounts = new List<Account>();
        while (await reader.ReadAsync(ct))
        {
            accounts.Add(Account.Restore(new AccountId(reader.GetGuid(0)), reader.GetString(1), Currency.Parse(reader.GetString(2)),
                Enum.Parse<AccountKind>(reader.GetString(3), ignoreCase: true), Enum.Parse<AccountStatus>(reader.GetString(4), ignoreCase: true),
                reader.GetInt64(5), reader.GetInt64(6), reader.GetInt64(7),
                JsonSerializer.Deserialize<Dictionary<string, string>>(reader.GetString(8), Json) ?? [],
                reader.GetFieldValue<DateTimeOffset>(9), reader.GetInt64(10)));
        }
        if (!readsEntries)
        {
            return new BatchSnapshot(transactionId, headSequence, headHash, accounts, holds, [], idempotency);
        }
        await reader.NextResultAsync(ct);
        var entryRows = new List<(EntryId Id, EntryKind Kind, EntryId? Reverses, DateTimeOffset PostedAt, AccountId? Payer, AccountId? Receiver)>();
        while (await reader.ReadAsync(ct))
        {
            var twoPostings = reader.GetInt64(4) == 2;
            entryRows.Add((new EntryId(reader.GetGuid(0)), Domain.Ledger.ParseKind(reader.GetString(1)), reader.IsDBNull(2) ? null : new EntryId(reader.GetGuid(2)),
                reader.GetFieldValue<DateTimeOffset>(3), twoPostings && !reader.IsDBNull(5) ? new AccountId(reader.GetGuid(5)) : null,
                twoPostings && !reader.IsDBNull(6) ? new AccountId(reader.GetGuid(6)) : null));
        }
        var credited = await ReadSumsAsync(reader, ct);
        var reversed = await ReadSumsAsync(reader, ct);
        var entries = entryRows.Select(e =>
        {
            var credits = credited.GetValueOrDefault(e.Id.Value) ?? [];
            // Like PostedEntry.From: a payer and a receiver only for two postings in one currency.
            var simple = credits.Count == 1;
            return PostedEntry.Restore(e.Id, e.Kind, e.Reverses, e.PostedAt, simple ? e.Payer : null, simple ? e.Receiver : null,
                credits, reversed.GetValueOrDefault(e.Id.Value) ?? []);
        }).ToList();
        return new BatchSnapshot(transactionId, headSequence, headHash, accounts, holds, entries, idempotency);
    }

    private static async Task<Dictionary<Guid, Dictionary<Currency, long>>> ReadSumsAsync(NpgsqlDataReader reader, CancellationToken ct)
    {
        await reader.NextResultAsync(ct);
        var sums = new Dictionary<Guid, Dictionary<Currency, long>>();
        while (await reader.ReadAsync(ct))
        {
            var id = reader.GetGuid(0);
            if (!sums.TryGetValue(id, out var perCurrency))
            {
                sums[id] = perCurrency = [];
            }
            perCurrency[Currency.Parse(reader.GetString(1))] = reader.GetInt64(2);
        }
        return sums;

    }

    /// <summary>Writes a batch's effects: account and hold states, journal entries and postings, the chained events,
    /// their outbox rows, the new log head, the idempotency records and the applied commands' audit events, all in the
    /// caller's transaction, and commits it, in one round trip: COMMIT is the batch's last statement (ADR 0020). A server
    /// ERROR from any of the statements means the transaction did not commit (the server skips the rest of the batch,
    /// COMMIT included, or COMMIT itself failed and rolled back); the caller settles any other failure by asking for the
    /// transaction's status. Not cancellable: once sent, the batch must run to its end, bounded by the database
    /// timeouts. <paramref name="traces"/> holds, for each event, the trace context of the request that caused it, kept
    /// on its outbox row (ADR 0023). <paramref name="applied"/> are the applied commands' own statements
    /// (<see cref="AppliedStatement"/>), run in the same transaction just before the COMMIT.</summary>
    public static async Task WriteAndCommitAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, LedgerState state,
        IReadOnlyList<LedgerEvent> events, IReadOnlyList<OutboxTrace> traces, byte[] headHash, IReadOnlyList<IdempotencyWrite> idempotency,
        IReadOnlyList<(AuditRecorded Event, OutboxTrace Trace)> audits,
        DateTimeOffset now, TimeSpan idempotencyRetention, IReadOnlyList<NpgsqlBatchCommand>? applied = null)
    {
        await using var batch = new NpgsqlBatch(connection, transaction);
        AddAccountUpserts(batch, state.ChangedAccounts.ToList());
        AddHoldUpserts(batch, state.ChangedHolds.ToList());
        AddEntries(batch, events.OfType<TransactionPosted>().ToList());
        AddReversals(batch, events);
        var lastHash = AddEvents(batch, events, traces, headHash);
        if (events.Count > 0)
        {
            batch.BatchCommands.Add(Command("UPDATE ledger_head SET sequence = $1, hash = $2 WHERE id = 1",
                new NpgsqlParameter<long> { TypedValue = events[^1].Sequence }, new NpgsqlParameter<byte[]> { TypedValue = lastHash }));
        }
        AddIdempotency(batch, idempotency, now, now + idempotencyRetention);
        foreach (var (audit, trace) in audits)
        {
            batch.BatchCommands.Add(AuditOutbox.InsertCommand(audit, trace));
        }
        foreach (var statement in applied ?? [])
        {
            batch.BatchCommands.Add(statement);
        }
        batch.BatchCommands.Add(new NpgsqlBatchCommand("COMMIT"));
        await batch.ExecuteNonQueryAsync(CancellationToken.None);
    }

    private static void AddAccountUpserts(NpgsqlBatch batch, List<Account> accounts)
    {
        if (accounts.Count == 0)
        {
            return;
        }
        batch.BatchCommands.Add(Command(
            """
            INSERT INTO accounts (id, owner_id, currency, kind, status, overdraft_limit, balance, held, metadata, opened_at, version)
            SELECT * FROM unnest($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
            ON CONFLICT (id) DO UPDATE SET status = excluded.status, balance = excluded.balance, held = excluded.held, version = excluded.version
            """,
            Array(accounts.Select(a => a.Id.Value)),
            Array(accounts.Select(a => a.OwnerId)),
            Array(accounts.Select(a => a.Currency.Code)),
            Array(accounts.Select(a => Lower(a.Kind))),
            Array(accounts.Select(a => Lower(a.Status))),
            Array(accounts.Select(a => a.OverdraftLimit)),
            Array(accounts.Select(a => a.Balance)),
            Array(accounts.Select(a => a.Held)),
            Jsonb(accounts.Select(a => JsonSerializer.Serialize(a.Metadata, Json))),
            Array(accounts.Select(a => a.OpenedAt)),
            Array(accounts.Select(a => a.Version))));
    }

    private static void AddHoldUpserts(NpgsqlBatch batch, List<Hold> holds)
    {
        if (holds.Count == 0)
        {
            return;
        }
        batch.BatchCommands.Add(Command(
            """
            INSERT INTO holds (id, account_id, to_account_id, amount, currency, status, posted_amount, entry_id, description, created_at, expires_at, closed_at,
                reversal_id)
            SELECT * FROM unnest($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
            ON CONFLICT (id) DO UPDATE SET status = excluded.status, posted_amount = excluded.posted_amount,
                entry_id = excluded.entry_id, closed_at = excluded.closed_at
            """,
            Array(holds.Select(h => h.Id.Value)),
            Array(holds.Select(h => h.AccountId.Value)),
            Array(holds.Select(h => h.ToAccountId.Value)),
            Array(holds.Select(h => h.Amount.Amount)),
            Array(holds.Select(h => h.Amount.Currency.Code)),
            Array(holds.Select(h => Lower(h.Status))),
            Array(holds.Select(h => h.PostedAmount)),
            Array(holds.Select(h => h.EntryId?.Value)),
            Array(holds.Select(h => h.Description)),
            Array(holds.Select(h => h.CreatedAt)),
            Array(holds.Select(h => h.ExpiresAt)),
            Array(holds.Select(h => h.ClosedAt)),
            Array(holds.Select(h => h.ReversalId?.Value))));
    }

    private static void AddEntries(NpgsqlBatch batch, List<TransactionPosted> entries)
    {
        if (entries.Count == 0)
        {
            return;
        }
        batch.BatchCommands.Add(Command(
            """
            INSERT INTO journal_entries (id, sequence, kind, description, category, metadata, reverses_entry_id, hold_id, posted_at)
            SELECT * FROM unnest($1, $2, $3, $4, $5, $6, $7, $8, $9)
            """,
            Array(entries.Select(e => e.EntryId)),
            Array(entries.Select(e => e.Sequence)),
            Array(entries.Select(e => e.Kind)),
            Array(entries.Select(e => e.Description)),
            Array(entries.Select(e => e.Category)),
            Jsonb(entries.Select(e => JsonSerializer.Serialize(e.Metadata, Json))),
            Array(entries.Select(e => e.ReversesEntryId)),
            Array(entries.Select(e => e.HoldId)),
            Array(entries.Select(e => e.OccurredAt))));

        var postings = entries.SelectMany(e => e.Postings.Select((p, line) => (Entry: e, Posting: p, Line: line))).ToList();
        batch.BatchCommands.Add(Command(
            """
            INSERT INTO postings (entry_id, line, account_id, direction, amount, currency, balance_after, sequence, posted_at)
            SELECT * FROM unnest($1, $2, $3, $4, $5, $6, $7, $8, $9)
            """,
            Array(postings.Select(p => p.Entry.EntryId)),
            Array(postings.Select(p => p.Line)),
            Array(postings.Select(p => p.Posting.AccountId)),
            Array(postings.Select(p => p.Posting.Direction)),
            Array(postings.Select(p => p.Posting.Amount)),
            Array(postings.Select(p => p.Posting.Currency)),
            Array(postings.Select(p => p.Posting.BalanceAfter)),
            Array(postings.Select(p => p.Entry.Sequence)),
            Array(postings.Select(p => p.Entry.OccurredAt))));
    }

    /// <summary>The reversals' read model follows their events in the same transaction: a reversal is listed iff its
    /// request committed, and it shows completed or failed iff that event committed.</summary>
    private static void AddReversals(NpgsqlBatch batch, IReadOnlyList<LedgerEvent> events)
    {
        foreach (var e in events)
        {
            switch (e)
            {
                case ReversalRequested r:
                    batch.BatchCommands.Add(Command(
                        """
                        INSERT INTO reversals (id, entry_id, account_id, counterparty_account_id, amount, currency, reason, requires_approval,
                            status, steps, compensations, requested_at, updated_at)
                        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', '{}', '[]', $9, $9)
                        """,
                        new NpgsqlParameter<Guid> { TypedValue = r.ReversalId }, new NpgsqlParameter<Guid> { TypedValue = r.EntryId },
                        new NpgsqlParameter<Guid> { TypedValue = r.AccountId }, new NpgsqlParameter<Guid> { TypedValue = r.CounterpartyAccountId },
                        new NpgsqlParameter<long> { TypedValue = r.Amount }, new NpgsqlParameter<string> { TypedValue = r.Currency },
                        new NpgsqlParameter<string> { TypedValue = r.Reason }, new NpgsqlParameter<bool> { TypedValue = r.RequiresApproval },
                        new NpgsqlParameter<DateTimeOffset> { TypedValue = r.OccurredAt }));
                    break;
                case ReversalCompleted c:
                    batch.BatchCommands.Add(Command(
                        "UPDATE reversals SET status = 'completed', reversal_entry_id = $2, updated_at = $3 WHERE id = $1",
                        new NpgsqlParameter<Guid> { TypedValue = c.ReversalId }, new NpgsqlParameter<Guid> { TypedValue = c.ReversalEntryId },
                        new NpgsqlParameter<DateTimeOffset> { TypedValue = c.OccurredAt }));
                    break;
                case ReversalFailed f:
                    batch.BatchCommands.Add(Command(
                        "UPDATE reversals SET status = 'failed', failure_reason = $2, compensations = $3, updated_at = $4 WHERE id = $1",
                        new NpgsqlParameter<Guid> { TypedValue = f.ReversalId }, new NpgsqlParameter<string> { TypedValue = f.Reason },
                        new NpgsqlParameter { Value = JsonSerializer.Serialize(f.Compensations, Json), NpgsqlDbType = NpgsqlDbType.Jsonb },
                        new NpgsqlParameter<DateTimeOffset> { TypedValue = f.OccurredAt }));
                    break;
            }
        }
    }

    /// <summary>Appends the events with their chained hashes and queues each for publishing; returns the last hash.</summary>
    private static byte[] AddEvents(NpgsqlBatch batch, IReadOnlyList<LedgerEvent> events, IReadOnlyList<OutboxTrace> traces, byte[] headHash)
    {
        if (events.Count == 0)
        {
            return headHash;
        }
        var payloads = new string[events.Count];
        var prevHashes = new byte[events.Count][];
        var hashes = new byte[events.Count][];
        var types = new string[events.Count];
        var previous = headHash;
        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i];
            var bytes = LedgerEventSerializer.Serialize(e);
            types[i] = LedgerEventSerializer.TypeOf(e);
            payloads[i] = System.Text.Encoding.UTF8.GetString(bytes);
            prevHashes[i] = previous;
            hashes[i] = HashChain.Next(previous, e.Sequence, e.EventId, types[i], bytes);
            previous = hashes[i];
        }
        var sequences = events.Select(e => e.Sequence).ToArray();
        batch.BatchCommands.Add(Command(
            """
            INSERT INTO event_log (sequence, event_id, type, occurred_at, payload, prev_hash, hash)
            SELECT * FROM unnest($1, $2, $3, $4, $5, $6, $7)
            """,
            new NpgsqlParameter<long[]> { TypedValue = sequences },
            Array(events.Select(e => e.EventId)),
            new NpgsqlParameter<string[]> { TypedValue = types },
            Array(events.Select(e => e.OccurredAt)),
            new NpgsqlParameter { Value = payloads, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Json },
            new NpgsqlParameter<byte[][]> { TypedValue = prevHashes },
            new NpgsqlParameter<byte[][]> { TypedValue = hashes }));
        batch.BatchCommands.Add(Command(
            """
            INSERT INTO outbox (sequence, topic, attempts, next_attempt_at, trace_parent, trace_state)
            SELECT s, t, 0, now(), p, st FROM unnest($1, $2, $3, $4) AS o(s, t, p, st)
            """,
            new NpgsqlParameter<long[]> { TypedValue = sequences },
            new NpgsqlParameter<string[]> { TypedValue = types },
            new NpgsqlParameter<string?[]> { TypedValue = traces.Select(t => t.TraceParent).ToArray() },
            new NpgsqlParameter<string?[]> { TypedValue = traces.Select(t => t.TraceState).ToArray() }));
        return previous;
    }

    private static void AddIdempotency(NpgsqlBatch batch, IReadOnlyList<IdempotencyWrite> writes, DateTimeOffset now, DateTimeOffset expiresAt)
    {
        if (writes.Count == 0)
        {
            return;
        }
        // A row for the key may exist only if it has expired (live keys never reach the writer's apply path).
        batch.BatchCommands.Add(Command(
            """
            INSERT INTO idempotency_keys (scope, key, request_hash, status_code, response_body, response_location, created_at, expires_at)
            SELECT sc, k, h, s, b, l, $7, $8 FROM unnest($1, $2, $3, $4, $5, $6) AS i(sc, k, h, s, b, l)
            ON CONFLICT (scope, key) DO UPDATE SET request_hash = excluded.request_hash, status_code = excluded.status_code,
                response_body = excluded.response_body, response_location = excluded.response_location,
                created_at = excluded.created_at, expires_at = excluded.expires_at
            """,
            new NpgsqlParameter<string[]> { TypedValue = writes.Select(w => w.Key.Scope.Value).ToArray() },
            new NpgsqlParameter<string[]> { TypedValue = writes.Select(w => w.Key.Value).ToArray() },
            new NpgsqlParameter<byte[][]> { TypedValue = writes.Select(w => w.RequestHash).ToArray() },
            new NpgsqlParameter<int[]> { TypedValue = writes.Select(w => w.Response.StatusCode).ToArray() },
            new NpgsqlParameter<byte[][]> { TypedValue = writes.Select(w => w.Response.Body).ToArray() },
            new NpgsqlParameter<string?[]> { TypedValue = writes.Select(w => w.Response.Location).ToArray() },
            new NpgsqlParameter<DateTimeOffset> { TypedValue = now },
            new NpgsqlParameter<DateTimeOffset> { TypedValue = expiresAt }));
    }

    /// <summary>The outcome of a transaction by its id: "committed", "aborted" or "in progress" (null when the id is
    /// too old for the server to remember, which a just-run batch never is).</summary>
    public static async Task<string?> TransactionStatusAsync(NpgsqlDataSource database, ulong transactionId, CancellationToken ct)
    {
        await using var command = database.CreateCommand("SELECT pg_xact_status($1::text::xid8)");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = transactionId.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        return await command.ExecuteScalarAsync(ct) as string;
    }

    /// <summary>Ends the backend still running the given transaction, if it is (the pid alone could by now belong to a
    /// new connection; the transaction id makes it this one). Its client is gone, so it can never report its outcome;
    /// ended, it commits or aborts at once. Returns whether it was still there.</summary>
    public static async Task<bool> TerminateAsync(NpgsqlDataSource database, int processId, ulong transactionId, CancellationToken ct)
    {
        await using var command = database.CreateCommand(
            "SELECT coalesce(bool_or(pg_terminate_backend(pid)), false) FROM pg_stat_activity WHERE pid = $1 AND backend_xid::text = $2");
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = processId });
        // backend_xid is the 32-bit form of the full (epoch-extended) id.
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = (transactionId & 0xFFFF_FFFF).ToString(System.Globalization.CultureInfo.InvariantCulture) });
        return (bool)(await command.ExecuteScalarAsync(ct))!;
    }

    private static string Milliseconds(int value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture) + "ms";

    private static NpgsqlBatchCommand Command(string sql, params NpgsqlParameter[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.AddRange(parameters);
        return command;
    }

    private static NpgsqlParameter<T[]> Array<T>(IEnumerable<T> values) => new() { TypedValue = values.ToArray() };

    private static NpgsqlParameter Jsonb(IEnumerable<string> values) => new() { Value = values.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb };

    private static string Lower<TEnum>(TEnum value) where TEnum : struct, Enum => value.ToString().ToLowerInvariant();
}
