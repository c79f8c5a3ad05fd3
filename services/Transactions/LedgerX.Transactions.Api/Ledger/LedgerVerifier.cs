using System.Data;
using System.Text;
using LedgerX.Transactions.Api.Events;
using LedgerX.Transactions.Domain;
using LedgerX.Transactions.Domain.Events;
using Npgsql;

namespace LedgerX.Transactions.Api.Ledger;

/// <summary>The outcome of a verification; <see cref="FirstDiscrepancy"/> is null when everything agrees.</summary>
public sealed record VerifyReport(bool Ok, long EventsChecked, int AccountsChecked, long LastSequence, Discrepancy? FirstDiscrepancy);

/// <summary>The first thing found wrong. <see cref="Kind"/> is one of: sequence_gap, chain_broken, hash_mismatch,
/// replay_failed, unbalanced_entry, limit_breached, head_mismatch, account_missing, unknown_account, balance_mismatch,
/// held_mismatch, status_mismatch, hold_mismatch, entry_mismatch, postings_mismatch.</summary>
public sealed record Discrepancy(string Kind, string Message, long? Sequence = null, Guid? AccountId = null, string? Expected = null, string? Actual = null);

/// <summary>
/// Audits the ledger from first principles: walks the event log checking that sequences are gapless and every hash
/// chains, replays every event through the same domain rules to recompute all balances, then compares the result with
/// the stored accounts, the log head and the postings table. Reads one consistent snapshot (repeatable read), so it can
/// run while the ledger is in use.
/// </summary>
public sealed class LedgerVerifier(NpgsqlDataSource database)
{
    public async Task<VerifyReport> VerifyAsync(CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct);
        await using (var readOnly = new NpgsqlCommand("SET TRANSACTION READ ONLY", connection, transaction))
        {
            await readOnly.ExecuteNonQueryAsync(ct);
        }

        var state = new LedgerState(0, rememberEntries: false);
        var (checkedEvents, hash, problem) = await ReplayLogAsync(connection, transaction, state, ct);
        var accountsChecked = 0;
        problem ??= await CheckHeadAsync(connection, transaction, state.LastSequence, hash, ct);
        if (problem is null)
        {
            (accountsChecked, problem) = await CheckAccountsAsync(connection, transaction, state, ct);
        }
        problem ??= await CheckHoldsAsync(connection, transaction, state, ct);
        problem ??= await CheckEntriesAsync(connection, transaction, ct);
        problem ??= await CheckPostingsAsync(connection, transaction, state, ct);
        return new VerifyReport(problem is null, checkedEvents, accountsChecked, state.LastSequence, problem);
    }

    private static async Task<(long Checked, byte[] Hash, Discrepancy? Problem)> ReplayLogAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, LedgerState state, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            "SELECT sequence, event_id, type, payload, prev_hash, hash FROM event_log ORDER BY sequence", connection, transaction);
        await using var reader = await command.ExecuteReaderAsync(CommandBehavior.SequentialAccess, ct);
        var previous = HashChain.Genesis;
        long count = 0;
        while (await reader.ReadAsync(ct))
        {
            var sequence = reader.GetInt64(0);
            var eventId = reader.GetGuid(1);
            var type = reader.GetString(2);
            var payload = Encoding.UTF8.GetBytes(reader.GetString(3));
            var storedPrevious = reader.GetFieldValue<byte[]>(4);
            var storedHash = reader.GetFieldValue<byte[]>(5);
            count++;

            if (sequence != state.LastSequence + 1)
            {
                return (count, previous, new Discrepancy("sequence_gap", $"Expected event {state.LastSequence + 1}, found {sequence}.",
                    sequence, Expected: (state.LastSequence + 1).ToString(), Actual: sequence.ToString()));
            }
            if (!storedPrevious.AsSpan().SequenceEqual(previous))
            {
                return (count, previous, new Discrepancy("chain_broken", $"Event {sequence} does not chain to the hash of event {sequence - 1}.",
                    sequence, Expected: Convert.ToHexStringLower(previous), Actual: Convert.ToHexStringLower(storedPrevious)));
            }
            var recomputed = HashChain.Next(previous, sequence, eventId, type, payload);
            if (!recomputed.AsSpan().SequenceEqual(storedHash))
            {
                return (count, previous, new Discrepancy("hash_mismatch", $"Event {sequence} was changed after it was written: its hash does not match its content.",
                    sequence, Expected: Convert.ToHexStringLower(recomputed), Actual: Convert.ToHexStringLower(storedHash)));
            }
            try
            {
                var e = LedgerEventSerializer.Deserialize(type, payload);
                if (e.Sequence != sequence || e.EventId != eventId)
                {
                    return (count, previous, new Discrepancy("replay_failed", $"Event {sequence}'s payload names sequence {e.Sequence} and id {e.EventId}.", sequence));
                }
                if (e is TransactionPosted posted && Unbalanced(posted) is { } currency)
                {
                    return (count, previous, new Discrepancy("unbalanced_entry", $"Entry {posted.EntryId} (event {sequence}) does not sum to zero in {currency}.", sequence));
                }
                state.Apply(e);
                if (BreachedLimit(state, e) is { } breached)
                {
                    return (count, previous, new Discrepancy("limit_breached",
                        $"After event {sequence} account {breached.Id} has {breached.Available} available, below its overdraft limit of {breached.OverdraftLimit}.",
                        sequence, breached.Id.Value, Expected: (-breached.OverdraftLimit).ToString(), Actual: breached.Available.ToString()));
                }
            }
            catch (Exception ex) when (ex is System.Text.Json.JsonException or InvalidOperationException or LedgerRuleException or OverflowException)
            {
                return (count, previous, new Discrepancy("replay_failed", $"Event {sequence} cannot be replayed: {ex.Message}", sequence));
            }
            previous = recomputed;
        }
        return (count, previous, null);
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

    private static async Task<Discrepancy?> CheckHeadAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long lastSequence, byte[] lastHash, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("SELECT sequence, hash FROM ledger_head WHERE id = 1", connection, transaction);
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
        {
            return new Discrepancy("head_mismatch", "The ledger_head row is missing.");
        }
        var (sequence, hash) = (reader.GetInt64(0), reader.GetFieldValue<byte[]>(1));
        return sequence != lastSequence || !hash.AsSpan().SequenceEqual(lastHash)
            ? new Discrepancy("head_mismatch", "The log head does not point at the last event (events were removed or added behind the ledger's back).",
                sequence, Expected: $"{lastSequence}:{Convert.ToHexStringLower(lastHash)}", Actual: $"{sequence}:{Convert.ToHexStringLower(hash)}")
            : null;
    }

    private static async Task<(int Checked, Discrepancy? Problem)> CheckAccountsAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, LedgerState state, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("SELECT id, balance, held, status FROM accounts ORDER BY id", connection, transaction);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var seen = 0;
        while (await reader.ReadAsync(ct))
        {
            var id = reader.GetGuid(0);
            var (balance, held, status) = (reader.GetInt64(1), reader.GetInt64(2), reader.GetString(3));
            seen++;
            if (state.FindAccount(new AccountId(id)) is not { } replayed)
            {
                return (seen, new Discrepancy("unknown_account", $"Account {id} is stored but was never opened in the event log.", AccountId: id));
            }
            if (replayed.Balance != balance)
            {
                return (seen, new Discrepancy("balance_mismatch", $"Account {id} stores balance {balance}; the event log gives {replayed.Balance}.",
                    AccountId: id, Expected: replayed.Balance.ToString(), Actual: balance.ToString()));
            }
            if (replayed.Held != held)
            {
                return (seen, new Discrepancy("held_mismatch", $"Account {id} stores held {held}; the event log gives {replayed.Held}.",
                    AccountId: id, Expected: replayed.Held.ToString(), Actual: held.ToString()));
            }
            var expectedStatus = replayed.Status.ToString().ToLowerInvariant();
            if (expectedStatus != status)
            {
                return (seen, new Discrepancy("status_mismatch", $"Account {id} stores status {status}; the event log gives {expectedStatus}.",
                    AccountId: id, Expected: expectedStatus, Actual: status));
            }
        }
        var replayedCount = state.Accounts.Count();
        return seen == replayedCount
            ? (seen, null)
            : (seen, new Discrepancy("account_missing", $"The event log opened {replayedCount} accounts; {seen} are stored.",
                Expected: replayedCount.ToString(), Actual: seen.ToString()));
    }

    private static async Task<Discrepancy?> CheckHoldsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, LedgerState state, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("SELECT id, status, posted_amount, reversal_id FROM holds", connection, transaction);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var stored = 0;
        while (await reader.ReadAsync(ct))
        {
            stored++;
            var (id, status, posted) = (reader.GetGuid(0), reader.GetString(1), reader.GetInt64(2));
            // Which reversal owns a hold decides who may void or post it, so a row that lost or gained it is a discrepancy.
            var actual = $"{status}:{posted}{Owner(reader.IsDBNull(3) ? null : reader.GetGuid(3))}";
            var replayed = state.FindHold(new HoldId(id));
            var expected = replayed is null ? "absent" : $"{replayed.Status.ToString().ToLowerInvariant()}:{replayed.PostedAmount}{Owner(replayed.ReversalId?.Value)}";
            if (expected != actual)
            {
                return new Discrepancy("hold_mismatch", $"Hold {id} is stored as {actual}; the event log gives {expected}.",
                    Expected: expected, Actual: actual);
            }
        }
        var replayedCount = state.Holds.Count();
        return stored == replayedCount
            ? null
            : new Discrepancy("hold_mismatch", $"The event log created {replayedCount} holds; {stored} are stored.", Expected: replayedCount.ToString(), Actual: stored.ToString());
    }

    private static string Owner(Guid? reversalId) => reversalId is { } id ? $":reversal {id}" : "";

    private static async Task<Discrepancy?> CheckEntriesAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            "SELECT count(*), (SELECT count(*) FROM event_log WHERE type = 'transaction.posted.v1') FROM journal_entries", connection, transaction);
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        var (stored, logged) = (reader.GetInt64(0), reader.GetInt64(1));
        return stored == logged
            ? null
            : new Discrepancy("entry_mismatch", $"The event log posted {logged} entries; {stored} are stored.", Expected: logged.ToString(), Actual: stored.ToString());
    }

    private static async Task<Discrepancy?> CheckPostingsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, LedgerState state, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            "SELECT account_id, sum(CASE WHEN direction = 'credit' THEN amount ELSE -amount END)::bigint FROM postings GROUP BY account_id",
            connection, transaction);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var sums = new Dictionary<Guid, long>();
        while (await reader.ReadAsync(ct))
        {
            sums[reader.GetGuid(0)] = reader.GetInt64(1);
        }
        foreach (var account in state.Accounts.OrderBy(a => a.Id.Value))
        {
            var stored = sums.GetValueOrDefault(account.Id.Value);
            if (stored != account.Balance)
            {
                return new Discrepancy("postings_mismatch", $"The postings of account {account.Id} sum to {stored}; the event log gives {account.Balance}.",
                    AccountId: account.Id.Value, Expected: account.Balance.ToString(), Actual: stored.ToString());
            }
        }
        return null;
    }
}
