using LedgerX.Transactions.IntegrationTests.Infrastructure;
using System.Net.Http.Json;

namespace LedgerX.Transactions.IntegrationTests.Ledger;

/// <summary>Each test tampers with the database directly, as an attacker or a faulty script would, and expects
/// verify to name what changed. Each starts from the same seeded ledger, every table put back as it was after seeding
/// and checked to verify, so tampering never leaks into another test.</summary>
/// <remarks>As in <see cref="VerificationColumnByColumn"/>: a database and a service per test cost a service start each
/// (11 in a row); putting a few small tables back costs milliseconds. Here the event log and the outbox are put back
/// too, since tests tamper with them and two write holds through the API. The writer reads the log head and the accounts
/// from the tables in each batch, so it carries nothing over from one test to the next.</remarks>
public sealed class Verification(Verification.SeededLedger ledger) : IClassFixture<Verification.SeededLedger>, IAsyncLifetime
{
    private LedgerApi Api => ledger.Api;
    private Guid Alice => ledger.Alice;
    private Guid Bob => ledger.Bob;

    public async ValueTask InitializeAsync()
    {
        await ledger.RestoreAsync();
        (await Api.VerifyAsync()).Ok.ShouldBeTrue("the seeded ledger verifies before it is tampered with");
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>alice (1,000 deposited, 250 sent to bob) and bob, and a copy of every table as seeding left it.</summary>
    public sealed class SeededLedger : IAsyncLifetime
    {
        private IReadOnlyList<string> _tables = [];

        public LedgerApi Api { get; } = new();
        public Guid Alice { get; private set; }
        public Guid Bob { get; private set; }

        public async ValueTask InitializeAsync()
        {
            await Api.InitializeAsync();
            Alice = (await Api.OpenAccountAsync("alice")).Id;
            Bob = (await Api.OpenAccountAsync("bob")).Id;
            await Api.DepositAsync(Alice, 1_000);
            (await Api.Client.PostAsJsonAsync("/api/v1/transfers", new { fromAccountId = Alice, toAccountId = Bob, amount = 250, currency = "EUR" }))
                .EnsureSuccessStatusCode();
            var tables = await Api.ScalarAsync<string[]>(
                "SELECT array_agg(tablename::text ORDER BY tablename) FROM pg_tables WHERE schemaname = 'public' AND tablename <> '__EFMigrationsHistory'");
            _tables = tables;
            await Api.ExecuteAsync(string.Concat(_tables.Select(t => $"CREATE TABLE \"pristine_{t}\" AS TABLE \"{t}\";")));
        }

        /// <summary>Puts every table back byte for byte. Foreign keys and the append-only triggers are off for the
        /// transaction (session_replication_role = replica; the test server's user is a superuser), as for a restore.</summary>
        public Task RestoreAsync() => Api.ExecuteAsync(
            "BEGIN; SET LOCAL session_replication_role = replica; " +
            string.Concat(_tables.Select(t => $"DELETE FROM \"{t}\"; INSERT INTO \"{t}\" OVERRIDING SYSTEM VALUE SELECT * FROM \"pristine_{t}\"; ")) +
            "COMMIT;");

        public ValueTask DisposeAsync() => Api.DisposeAsync();
    }

    [Fact]
    public async Task AnUntouchedLedger_Verifies()
    {
        var report = await Api.VerifyAsync();

        report.Ok.ShouldBeTrue();
        report.FirstDiscrepancy.ShouldBeNull();
        report.EventsChecked.ShouldBe(report.LastSequence);
        report.AccountsChecked.ShouldBe(3); // alice, bob and the EUR world account
    }

    [Fact]
    public async Task ABalanceChangedBehindTheLedgersBack_IsReported()
    {
        await Api.ExecuteAsync($"UPDATE accounts SET balance = balance + 100 WHERE id = '{Bob}'");

        var report = await Api.VerifyAsync();

        report.Ok.ShouldBeFalse();
        report.FirstDiscrepancy!.Kind.ShouldBe("balance_mismatch");
        report.FirstDiscrepancy.AccountId.ShouldBe(Bob);
        (report.FirstDiscrepancy.Expected, report.FirstDiscrepancy.Actual).ShouldBe(("250", "350"));
    }

    [Fact]
    public async Task AnEventRewrittenInTheLog_IsReportedAtItsSequence()
    {
        var sequence = await Api.ScalarAsync<long>("SELECT max(sequence) FROM event_log WHERE type = 'transaction.posted.v1'");
        await TamperWithLogAsync($"UPDATE event_log SET payload = replace(payload::text, '\"amount\":250', '\"amount\":25')::json WHERE sequence = {sequence}");

        var report = await Api.VerifyAsync();

        report.FirstDiscrepancy!.Kind.ShouldBe("hash_mismatch");
        report.FirstDiscrepancy.Sequence.ShouldBe(sequence);
    }

    [Fact]
    public async Task ARemovedPosting_IsReported()
    {
        await Api.ExecuteAsync($"DELETE FROM postings WHERE account_id = '{Bob}'");

        var report = await Api.VerifyAsync();

        report.FirstDiscrepancy!.Kind.ShouldBe("posting_missing");
        report.FirstDiscrepancy.AccountId.ShouldBe(Bob);
    }

    [Fact]
    public async Task TheLastEventDeleted_IsReportedAsAHeadMismatch()
    {
        await TamperWithLogAsync("DELETE FROM outbox WHERE sequence = (SELECT max(sequence) FROM event_log); DELETE FROM event_log WHERE sequence = (SELECT max(sequence) FROM event_log)");

        var report = await Api.VerifyAsync();

        report.FirstDiscrepancy!.Kind.ShouldBe("head_mismatch");
    }

    [Fact]
    public async Task AGapInTheLog_IsReported()
    {
        await TamperWithLogAsync("DELETE FROM outbox WHERE sequence = 2; DELETE FROM event_log WHERE sequence = 2");

        var report = await Api.VerifyAsync();

        report.FirstDiscrepancy!.Kind.ShouldBe("sequence_gap");
        report.FirstDiscrepancy.Sequence.ShouldBe(3);
    }

    [Fact]
    public async Task AHoldRowChangedBehindTheLedgersBack_IsReported()
    {
        var hold = await (await Api.Client.PostAsJsonAsync("/api/v1/holds", new { accountId = Alice, toAccountId = Bob, amount = 10, currency = "EUR" }))
            .Content.ReadFromJsonAsync<System.Text.Json.Nodes.JsonObject>();
        await Api.ExecuteAsync($"UPDATE holds SET status = 'voided' WHERE id = '{hold!["id"]}'");

        var report = await Api.VerifyAsync();

        report.FirstDiscrepancy!.Kind.ShouldBe("hold_mismatch");
    }

    [Fact]
    public async Task AHoldRowClaimedForAReversalBehindTheLedgersBack_IsReported()
    {
        // Which reversal owns a hold decides who may void or post it; the event log is the authority on it.
        var hold = await (await Api.Client.PostAsJsonAsync("/api/v1/holds", new { accountId = Alice, toAccountId = Bob, amount = 10, currency = "EUR" }))
            .Content.ReadFromJsonAsync<System.Text.Json.Nodes.JsonObject>();
        await Api.ExecuteAsync($"UPDATE holds SET reversal_id = '{Guid.CreateVersion7()}' WHERE id = '{hold!["id"]}'");

        var report = await Api.VerifyAsync();

        report.FirstDiscrepancy!.Kind.ShouldBe("hold_mismatch");
        report.FirstDiscrepancy.Message.ShouldContain(hold["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task AnEntryRemovedFromTheJournal_IsReported()
    {
        await Api.ExecuteAsync("DELETE FROM postings WHERE entry_id = (SELECT id FROM journal_entries WHERE kind = 'transfer'); DELETE FROM journal_entries WHERE kind = 'transfer'");

        var report = await Api.VerifyAsync();

        report.FirstDiscrepancy!.Kind.ShouldBe("entry_missing");
    }

    [Fact]
    public async Task AnOverdraftForgedIntoTheLogWithAValidChain_IsStillReported()
    {
        // The worst case: someone rewrites an event AND recomputes every hash after it. The chain is then valid, but the
        // replay still refuses a history in which an account went below its overdraft limit.
        var sequence = await Api.ScalarAsync<long>("SELECT max(sequence) FROM event_log WHERE type = 'transaction.posted.v1'");
        await TamperWithLogAsync($"UPDATE event_log SET payload = replace(replace(payload::text, '\"amount\":250', '\"amount\":5000'), '\"balanceAfter\":750', '\"balanceAfter\":-4000')::json WHERE sequence = {sequence}");
        await RechainFromAsync(sequence);

        var report = await Api.VerifyAsync();

        report.FirstDiscrepancy!.Kind.ShouldBe("limit_breached");
        report.FirstDiscrepancy.AccountId.ShouldBe(Alice);
    }

    [Fact]
    public async Task TheLogItself_RefusesUpdatesAndDeletes()
    {
        var update = await Should.ThrowAsync<Npgsql.PostgresException>(() => Api.ExecuteAsync("UPDATE event_log SET type = type WHERE sequence = 1"));
        var delete = await Should.ThrowAsync<Npgsql.PostgresException>(() => Api.ExecuteAsync("DELETE FROM outbox; DELETE FROM event_log"));

        update.MessageText.ShouldContain("append-only");
        delete.MessageText.ShouldContain("append-only");
        (await Api.VerifyAsync()).Ok.ShouldBeTrue();
    }

    /// <summary>Recomputes every hash from <paramref name="from"/> on, as a careful forger would, using the service's own chain function.</summary>
    private async Task RechainFromAsync(long from)
    {
        await using var connection = new Npgsql.NpgsqlConnection(Api.ConnectionString);
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
        await Api.ExecuteAsync($"UPDATE ledger_head SET hash = '\\x{Convert.ToHexStringLower(previous)}'");
    }

    /// <summary>What an attacker with the table owner's rights would do: switch the append-only guard off first.</summary>
    private Task TamperWithLogAsync(string sql) => Api.ExecuteAsync(
        $"ALTER TABLE event_log DISABLE TRIGGER event_log_append_only; {sql}; ALTER TABLE event_log ENABLE TRIGGER event_log_append_only;");
}
