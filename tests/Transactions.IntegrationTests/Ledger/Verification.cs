using LedgerX.Transactions.IntegrationTests.Infrastructure;
using System.Net.Http.Json;

namespace LedgerX.Transactions.IntegrationTests.Ledger;

/// <summary>Each test tampers with the database directly, as an attacker or a faulty script would, and expects
/// verify to name what changed. Each gets its own database, so tampering never leaks into another test.</summary>
public sealed class Verification : IAsyncLifetime
{
    private readonly LedgerApi _api = new();
    private Guid _alice;
    private Guid _bob;

    public async ValueTask InitializeAsync()
    {
        await _api.InitializeAsync();
        _alice = (await _api.OpenAccountAsync("alice")).Id;
        _bob = (await _api.OpenAccountAsync("bob")).Id;
        await _api.DepositAsync(_alice, 1_000);
        (await _api.Client.PostAsJsonAsync("/api/v1/transfers", new { fromAccountId = _alice, toAccountId = _bob, amount = 250, currency = "EUR" }))
            .EnsureSuccessStatusCode();
    }

    public ValueTask DisposeAsync() => _api.DisposeAsync();

    [Fact]
    public async Task AnUntouchedLedger_Verifies()
    {
        var report = await _api.VerifyAsync();

        report.Ok.ShouldBeTrue();
        report.FirstDiscrepancy.ShouldBeNull();
        report.EventsChecked.ShouldBe(report.LastSequence);
        report.AccountsChecked.ShouldBe(3); // alice, bob and the EUR world account
    }

    [Fact]
    public async Task ABalanceChangedBehindTheLedgersBack_IsReported()
    {
        await _api.ExecuteAsync($"UPDATE accounts SET balance = balance + 100 WHERE id = '{_bob}'");

        var report = await _api.VerifyAsync();

        report.Ok.ShouldBeFalse();
        report.FirstDiscrepancy!.Kind.ShouldBe("balance_mismatch");
        report.FirstDiscrepancy.AccountId.ShouldBe(_bob);
        (report.FirstDiscrepancy.Expected, report.FirstDiscrepancy.Actual).ShouldBe(("250", "350"));
    }

    [Fact]
    public async Task AnEventRewrittenInTheLog_IsReportedAtItsSequence()
    {
        var sequence = await _api.ScalarAsync<long>("SELECT max(sequence) FROM event_log WHERE type = 'transaction.posted.v1'");
        await TamperWithLogAsync($"UPDATE event_log SET payload = replace(payload::text, '\"amount\":250', '\"amount\":25')::json WHERE sequence = {sequence}");

        var report = await _api.VerifyAsync();

        report.FirstDiscrepancy!.Kind.ShouldBe("hash_mismatch");
        report.FirstDiscrepancy.Sequence.ShouldBe(sequence);
    }

    [Fact]
    public async Task ARemovedPosting_IsReported()
    {
        await _api.ExecuteAsync($"DELETE FROM postings WHERE account_id = '{_bob}'");

        var report = await _api.VerifyAsync();

        report.FirstDiscrepancy!.Kind.ShouldBe("posting_missing");
        report.FirstDiscrepancy.AccountId.ShouldBe(_bob);
    }

    [Fact]
    public async Task TheLastEventDeleted_IsReportedAsAHeadMismatch()
    {
        await TamperWithLogAsync("DELETE FROM outbox WHERE sequence = (SELECT max(sequence) FROM event_log); DELETE FROM event_log WHERE sequence = (SELECT max(sequence) FROM event_log)");

        var report = await _api.VerifyAsync();

        report.FirstDiscrepancy!.Kind.ShouldBe("head_mismatch");
    }

    [Fact]
    public async Task AGapInTheLog_IsReported()
    {
        await TamperWithLogAsync("DELETE FROM outbox WHERE sequence = 2; DELETE FROM event_log WHERE sequence = 2");

        var report = await _api.VerifyAsync();

        report.FirstDiscrepancy!.Kind.ShouldBe("sequence_gap");
        report.FirstDiscrepancy.Sequence.ShouldBe(3);
    }

    [Fact]
    public async Task AHoldRowChangedBehindTheLedgersBack_IsReported()
    {
        var hold = await (await _api.Client.PostAsJsonAsync("/api/v1/holds", new { accountId = _alice, toAccountId = _bob, amount = 10, currency = "EUR" }))
            .Content.ReadFromJsonAsync<System.Text.Json.Nodes.JsonObject>();
        await _api.ExecuteAsync($"UPDATE holds SET status = 'voided' WHERE id = '{hold!["id"]}'");

        var report = await _api.VerifyAsync();

        report.FirstDiscrepancy!.Kind.ShouldBe("hold_mismatch");
    }

    [Fact]
    public async Task AHoldRowClaimedForAReversalBehindTheLedgersBack_IsReported()
    {
        // Which reversal owns a hold decides who may void or post it; the event log is the authority on it.
        var hold = await (await _api.Client.PostAsJsonAsync("/api/v1/holds", new { accountId = _alice, toAccountId = _bob, amount = 10, currency = "EUR" }))
            .Content.ReadFromJsonAsync<System.Text.Json.Nodes.JsonObject>();
        await _api.ExecuteAsync($"UPDATE holds SET reversal_id = '{Guid.CreateVersion7()}' WHERE id = '{hold!["id"]}'");

        var report = await _api.VerifyAsync();

        report.FirstDiscrepancy!.Kind.ShouldBe("hold_mismatch");
        report.FirstDiscrepancy.Message.ShouldContain(hold["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task AnEntryRemovedFromTheJournal_IsReported()
    {
        await _api.ExecuteAsync("DELETE FROM postings WHERE entry_id = (SELECT id FROM journal_entries WHERE kind = 'transfer'); DELETE FROM journal_entries WHERE kind = 'transfer'");

        var report = await _api.VerifyAsync();

        report.FirstDiscrepancy!.Kind.ShouldBe("entry_missing");
    }

    [Fact]
    public async Task AnOverdraftForgedIntoTheLogWithAValidChain_IsStillReported()
    {
        // The worst case: someone rewrites an event AND recomputes every hash after it. The chain is then valid, but the
        // replay still refuses a history in which an account went below its overdraft limit.
        var sequence = await _api.ScalarAsync<long>("SELECT max(sequence) FROM event_log WHERE type = 'transaction.posted.v1'");
        await TamperWithLogAsync($"UPDATE event_log SET payload = replace(replace(payload::text, '\"amount\":250', '\"amount\":5000'), '\"balanceAfter\":750', '\"balanceAfter\":-4000')::json WHERE sequence = {sequence}");
        await RechainFromAsync(sequence);

        var report = await _api.VerifyAsync();

        report.FirstDiscrepancy!.Kind.ShouldBe("limit_breached");
        report.FirstDiscrepancy.AccountId.ShouldBe(_alice);
    }

    [Fact]
    public async Task TheLogItself_RefusesUpdatesAndDeletes()
    {
        var update = await Should.ThrowAsync<Npgsql.PostgresException>(() => _api.ExecuteAsync("UPDATE event_log SET type = type WHERE sequence = 1"));
        var delete = await Should.ThrowAsync<Npgsql.PostgresException>(() => _api.ExecuteAsync("DELETE FROM outbox; DELETE FROM event_log"));

        update.MessageText.ShouldContain("append-only");
        delete.MessageText.ShouldContain("append-only");
        (await _api.VerifyAsync()).Ok.ShouldBeTrue();
    }

    /// <summary>Recomputes every hash from <paramref name="from"/> on, as a careful forger would, using the service's own chain function.</summary>
    private async Task RechainFromAsync(long from)
    {
        await using var connection = new Npgsql.NpgsqlConnection(_api.ConnectionString);
        await connection.OpenAsync();
        var rows = new List<(long Sequence, Guid EventId, string Type, string Payload, byte[] Previous)>();
        await using (var read = new Npgsql.NpgsqlCommand($"SELECT sequence, event_id, type, payload, prev_hash FROM event_log WHERE sequence >= {from} ORDER BY sequence", connection))
        await using (var reader = await read.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                rows.Add((reader.GetInt64(0), reader.GetGuid(1), reader.GetString(2), reader.GetString(3), reader.GetFieldValue<byte[]>(4)));
            }
        }
        var previous = rows[0].Previous;
        foreach (var row in rows)
        {
            var hash = LedgerX.Transactions.Api.Ledger.HashChain.Next(previous, row.Sequence, row.EventId, row.Type, System.Text.Encoding.UTF8.GetBytes(row.Payload));
            await TamperWithLogAsync($"UPDATE event_log SET prev_hash = '\\x{Convert.ToHexStringLower(previous)}', hash = '\\x{Convert.ToHexStringLower(hash)}' WHERE sequence = {row.Sequence}");
            previous = hash;
        }
        await _api.ExecuteAsync($"UPDATE ledger_head SET hash = '\\x{Convert.ToHexStringLower(previous)}'");
    }

    /// <summary>What an attacker with the table owner's rights would do: switch the append-only guard off first.</summary>
    private Task TamperWithLogAsync(string sql) => _api.ExecuteAsync(
        $"ALTER TABLE event_log DISABLE TRIGGER event_log_append_only; {sql}; ALTER TABLE event_log ENABLE TRIGGER event_log_append_only;");
}
