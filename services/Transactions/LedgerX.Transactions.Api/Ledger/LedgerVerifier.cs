using System.Data;
using System.Text;
using LedgerX.Transactions.Api.Events;
using LedgerX.Transactions.Domain;
using LedgerX.Transactions.Domain.Events;
using Npgsql;

namespace LedgerX.Transactions.Api.Ledger;

/// <summary>
/// Audits the ledger from first principles. Walks the event log in pages, checking that sequences are gapless and every
/// hash chains, and replays every event through the same domain rules to recompute all balances; with each page it
/// compares the journal entries and postings that page wrote, column by column (<see cref="JournalVerification"/>).
/// Then it compares the log head and every column of every account and hold (<see cref="StateVerification"/>).
/// Everything is read in one consistent snapshot (repeatable read, read only), so it can run while the ledger is in use.
/// </summary>
/// <remarks>Memory: the replayed accounts and holds (the replay needs them), plus one page of events and their rows.
/// The journal, which grows with every transfer, is never held whole.</remarks>
public sealed class LedgerVerifier(NpgsqlDataSource database)
{
    /// <summary>Events read and compared per round trip: large enough that round trips do not dominate, small enough
    /// that a page (with up to 100 postings per entry) stays a few megabytes.</summary>
    public const int PageSize = 1000;

    /// <summary>Discrepancies listed in a report; the rest are counted. A tampered table can disagree in every row.</summary>
    public const int MaxReported = 100;

    public async Task<VerifyReport> VerifyAsync(CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct);
        await using (var readOnly = new NpgsqlCommand("SET TRANSACTION READ ONLY", connection, transaction))
        {
            await readOnly.ExecuteNonQueryAsync(ct);
        }

        // The log's own problems come first in the report: a log that lost its tail explains every table row that
        // follows, not the other way round.
        var logProblems = new DiscrepancyLog(MaxReported);
        var tableProblems = new DiscrepancyLog(MaxReported);
        var state = new LedgerState(0, rememberEntries: false);
        var replay = await ReplayAsync(connection, transaction, state, logProblems, tableProblems, ct);
        var (accounts, holds) = (0, 0L);
        // A log that does not verify cannot be the yardstick for the tables: every row would "disagree" with a replay
        // that stopped half way. Its own discrepancy is the report.
        if (!replay.LogBroken)
        {
            await CheckHeadAsync(connection, transaction, state.LastSequence, replay.LastHash, logProblems, ct);
            accounts = await StateVerification.CheckAccountsAsync(connection, transaction, state, tableProblems, ct);
            holds = await StateVerification.CheckHoldsAsync(connection, transaction, state, tableProblems, ct);
            await JournalVerification.CheckOrphanPostingsAsync(connection, transaction, tableProblems, ct);
        }
        var found = logProblems.Count + tableProblems.Count;
        List<Discrepancy> listed = [.. logProblems.Kept.Concat(tableProblems.Kept).Take(MaxReported)];
        return new VerifyReport(found == 0, replay.Events, accounts, state.LastSequence, listed.FirstOrDefault(),
            replay.Entries, replay.Postings, holds, found, listed);
    }

    private sealed record ReplayOutcome(long Events, byte[] LastHash, bool LogBroken, long Entries, long Postings);

    private sealed record LoggedEvent(long Sequence, Guid EventId, string Type, byte[] Payload, byte[] PrevHash, byte[] Hash);

    private static async Task<ReplayOutcome> ReplayAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, LedgerState state,
        DiscrepancyLog logProblems, DiscrepancyLog tableProblems, CancellationToken ct)
    {
        var previous = HashChain.Genesis;
        long events = 0, entries = 0, postings = 0;
        // Journal rows are compared by the sequence of the entry that wrote them; the first range starts below any
        // sequence and the last one ends above any, so a row with a sequence the log never had is still met.
        var comparedUpTo = long.MinValue;
        while (true)
        {
            var page = await ReadPageAsync(connection, transaction, state.LastSequence, ct);
            var posted = new List<TransactionPosted>();
            foreach (var stored in page)
            {
                events++;
                var (applied, problem) = Replay(stored, previous, state);
                if (problem is not null)
                {
                    logProblems.Add(problem);
                    return new ReplayOutcome(events, previous, true, entries, postings);
                }
                previous = stored.Hash;
                if (applied is TransactionPosted t)
                {
                    posted.Add(t);
                }
            }
            var upTo = page.Count < PageSize ? long.MaxValue : state.LastSequence;
            var (e, p) = await JournalVerification.CheckRangeAsync(connection, transaction, comparedUpTo, upTo, posted, tableProblems, ct);
            (entries, postings, comparedUpTo) = (entries + e, postings + p, upTo);
            if (upTo == long.MaxValue)
            {
                return new ReplayOutcome(events, previous, false, entries, postings);
            }
        }
    }

    private static async Task<List<LoggedEvent>> ReadPageAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long after, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            "SELECT sequence, event_id, type, payload, prev_hash, hash FROM event_log WHERE sequence > $1 ORDER BY sequence LIMIT $2",
            connection, transaction);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = after });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = PageSize });
        await using var reader = await command.ExecuteReaderAsync(CommandBehavior.SequentialAccess, ct);
        var page = new List<LoggedEvent>(PageSize);
        while (await reader.ReadAsync(ct))
        {
            page.Add(new LoggedEvent(reader.GetInt64(0), reader.GetGuid(1), reader.GetString(2), Encoding.UTF8.GetBytes(reader.GetString(3)),
                reader.GetFieldValue<byte[]>(4), reader.GetFieldValue<byte[]>(5)));
        }
        return page;
    }

    /// <summary>Checks one stored event against the chain and applies it; returns the event, or what is wrong with it.</summary>
    private static (LedgerEvent? Applied, Discrepancy? Problem) Replay(LoggedEvent stored, byte[] previous, LedgerState state)
    {
        var sequence = stored.Sequence;
        if (sequence != state.LastSequence + 1)
        {
            return (null, new Discrepancy("sequence_gap", $"Expected event {state.LastSequence + 1}, found {sequence}.",
                sequence, Expected: (state.LastSequence + 1).ToString(), Actual: sequence.ToString(), Table: "event_log"));
        }
        if (!stored.PrevHash.AsSpan().SequenceEqual(previous))
        {
            return (null, new Discrepancy("chain_broken", $"Event {sequence} does not chain to the hash of event {sequence - 1}.",
                sequence, Expected: Convert.ToHexStringLower(previous), Actual: Convert.ToHexStringLower(stored.PrevHash), Table: "event_log", Column: "prev_hash"));
        }
        var recomputed = HashChain.Next(previous, sequence, stored.EventId, stored.Type, stored.Payload);
        if (!recomputed.AsSpan().SequenceEqual(stored.Hash))
        {
            return (null, new Discrepancy("hash_mismatch", $"Event {sequence} was changed after it was written: its hash does not match its content.",
                sequence, Expected: Convert.ToHexStringLower(recomputed), Actual: Convert.ToHexStringLower(stored.Hash), Table: "event_log", Column: "hash"));
        }
        try
        {
            var e = LedgerEventSerializer.Deserialize(stored.Type, stored.Payload);
            if (e.Sequence != sequence || e.EventId != stored.EventId)
            {
                return (null, new Discrepancy("replay_failed", $"Event {sequence}'s payload names sequence {e.Sequence} and id {e.EventId}.", sequence));
            }
            if (e is TransactionPosted posted && Unbalanced(posted) is { } currency)
            {
                return (null, new Discrepancy("unbalanced_entry", $"Entry {posted.EntryId} (event {sequence}) does not sum to zero in {currency}.", sequence));
            }
            state.Apply(e);
            if (BreachedLimit(state, e) is { } breached)
            {
                return (null, new Discrepancy("limit_breached",
                    $"After event {sequence} account {breached.Id} has {breached.Available} available, below its overdraft limit of {breached.OverdraftLimit}.",
                    sequence, breached.Id.Value, Expected: (-breached.OverdraftLimit).ToString(), Actual: breached.Available.ToString()));
            }
            return (e, null);
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or InvalidOperationException or LedgerRuleException or OverflowException)
        {
            return (null, new Discrepancy("replay_failed", $"Event {sequence} cannot be replayed: {ex.Message}", sequence));
        }
    }

    /// <summary>The event log is the authority, but a log written by a buggy or hostile writer could still hold an
    /// unbalanced entry or an overdraft; replaying re-checks the two invariants that make a ledger a ledger.</summary>
    private static string? Unbalanced(TransactionPosted posted) =>
        posted.Postings.GroupBy(p => p.Currency)
            .FirstOrDefault(g => g.Sum(p => p.Direction == "credit" ? p.Amount : -p.Amount) != 0)?.Key;

    private static Account? BreachedLimit(LedgerState state, LedgerEvent e)
    {
        IEnumerable<Guid> debited = e switch
        {
            TransactionPosted t => t.Postings.Where(p => p.Direction == "debit").Select(p => p.AccountId),
            HoldCreated h => [h.AccountId],
            _ => [],
        };
        return debited.Select(id => state.FindAccount(new AccountId(id))!)
            .FirstOrDefault(a => a.Kind == AccountKind.Customer && a.Available < -a.OverdraftLimit);
    }

    private static async Task CheckHeadAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long lastSequence, byte[] lastHash,
        DiscrepancyLog log, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("SELECT sequence, hash FROM ledger_head WHERE id = 1", connection, transaction);
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
        {
            log.Add(new Discrepancy("head_mismatch", "The ledger_head row is missing.", Table: "ledger_head"));
            return;
        }
        var (sequence, hash) = (reader.GetInt64(0), reader.GetFieldValue<byte[]>(1));
        if (sequence != lastSequence || !hash.AsSpan().SequenceEqual(lastHash))
        {
            log.Add(new Discrepancy("head_mismatch", "The log head does not point at the last event (events were removed or added behind the ledger's back).",
                sequence, Expected: $"{lastSequence}:{Convert.ToHexStringLower(lastHash)}", Actual: $"{sequence}:{Convert.ToHexStringLower(hash)}",
                Table: "ledger_head"));
        }
    }
}
