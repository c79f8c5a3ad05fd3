using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LedgerX.Transactions.IntegrationTests.Infrastructure;

namespace LedgerX.Transactions.IntegrationTests.Ledger;

/// <summary>
/// Every column a client can read (<c>/accounts</c>, <c>/history</c>, <c>/entries</c>, <c>/holds</c>) is edited behind the
/// ledger's back, one at a time, as the tables' owner would; verify must name exactly that row and column, with the log's
/// value and the table's, and nothing else.
/// </summary>
/// <remarks>The cases share one ledger (<see cref="TamperableLedger"/>): each starts by putting the four read tables back
/// as they were and checking that the ledger verifies, then tampers. A database and a service per case cost ~20 s each
/// on a loaded machine, 35 cases in a row; restoring four small tables costs milliseconds and checks the same thing.
/// Tests that write through the API (and so grow the event log) have their own ledger.</remarks>
public sealed class VerificationColumnByColumn(VerificationColumnByColumn.TamperableLedger ledger)
    : IClassFixture<VerificationColumnByColumn.TamperableLedger>, IAsyncLifetime
{
    private const string Transfer = "(SELECT id FROM journal_entries WHERE kind = 'transfer')";
    private const string Bob = "(SELECT id FROM accounts WHERE owner_id = 'bob')";
    private const string Alice = "(SELECT id FROM accounts WHERE owner_id = 'alice')";

    public async ValueTask InitializeAsync()
    {
        await ledger.RestoreAsync();
        (await ledger.Api.VerifyAsync()).Ok.ShouldBeTrue("the ledger verifies before it is tampered with");
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>One ledger with a deposit, a transfer, a pending hold and a posted one, and a pristine copy of the tables
    /// verify compares with the log, to put back before each case.</summary>
    public sealed class TamperableLedger : IAsyncLifetime
    {
        private static readonly string[] Tables = ["accounts", "journal_entries", "postings", "holds"];

        public LedgerApi Api { get; } = new();

        public async ValueTask InitializeAsync()
        {
            await Api.InitializeAsync();
            await SeedAsync(Api);
            await Api.ExecuteAsync(string.Concat(Tables.Select(t => $"CREATE TABLE pristine_{t} AS TABLE {t};")));
        }

        /// <summary>Puts the read tables back byte for byte. Foreign keys and the append-only triggers are off for the
        /// transaction (session_replication_role = replica; the test server's user is a superuser), as for a restore.</summary>
        public Task RestoreAsync() => Api.ExecuteAsync(
            "BEGIN; SET LOCAL session_replication_role = replica; " +
            string.Concat(Tables.Select(t => $"DELETE FROM {t}; INSERT INTO {t} SELECT * FROM pristine_{t}; ")) +
            "COMMIT;");

        public ValueTask DisposeAsync() => Api.DisposeAsync();
    }

    private static async Task SeedAsync(LedgerApi api)
    {
        var alice = (await api.OpenAccountAsync("alice")).Id;
        var bob = (await api.OpenAccountAsync("bob")).Id;
        await api.DepositAsync(alice, 1_000);
        await Expect201(api.Client.PostAsJsonAsync("/api/v1/transfers", new
        {
            fromAccountId = alice, toAccountId = bob, amount = 250, currency = "EUR", description = "rent", category = "housing",
            metadata = new Dictionary<string, string> { ["ref"] = "r-1" },
        }));
        await Expect201(api.Client.PostAsJsonAsync("/api/v1/holds",
            new { accountId = alice, toAccountId = bob, amount = 10, currency = "EUR", description = "pending hold" }));
        var posted = await Expect201(api.Client.PostAsJsonAsync("/api/v1/holds",
            new { accountId = alice, toAccountId = bob, amount = 20, currency = "EUR", description = "posted hold" }));
        (await api.Client.PostAsJsonAsync($"/api/v1/holds/{posted["id"]}/post", new { amount = 15 })).EnsureSuccessStatusCode();
    }

    public static TheoryData<string, string, string, string> EditedColumns => new()
    {
        // journal_entries: what GET /entries/{id} and /history show about an entry
        { "journal_entries", "description", "entry_mismatch", $"UPDATE journal_entries SET description = 'edited' WHERE id = {Transfer}" },
        { "journal_entries", "category", "entry_mismatch", $"UPDATE journal_entries SET category = 'groceries' WHERE id = {Transfer}" },
        { "journal_entries", "metadata", "entry_mismatch", $$"""UPDATE journal_entries SET metadata = '{"ref":"forged"}' WHERE id = {{Transfer}}""" },
        { "journal_entries", "kind", "entry_mismatch", $"UPDATE journal_entries SET kind = 'journal' WHERE id = {Transfer}" },
        { "journal_entries", "reverses_entry_id", "entry_mismatch",
            $"UPDATE journal_entries SET reverses_entry_id = (SELECT id FROM journal_entries WHERE kind = 'deposit') WHERE id = {Transfer}" },
        { "journal_entries", "hold_id", "entry_mismatch", $"UPDATE journal_entries SET hold_id = NULL WHERE kind = 'hold_post'" },
        { "journal_entries", "posted_at", "entry_mismatch", $"UPDATE journal_entries SET posted_at = posted_at - interval '1 day' WHERE id = {Transfer}" },
        // postings: what /history and /entries show per line
        { "postings", "amount", "posting_mismatch", $"UPDATE postings SET amount = amount + 1 WHERE entry_id = {Transfer} AND direction = 'credit'" },
        { "postings", "balance_after", "posting_mismatch", $"UPDATE postings SET balance_after = 999 WHERE entry_id = {Transfer} AND direction = 'credit'" },
        { "postings", "direction", "posting_mismatch", $"UPDATE postings SET direction = 'debit' WHERE entry_id = {Transfer} AND direction = 'credit'" },
        { "postings", "currency", "posting_mismatch", $"UPDATE postings SET currency = 'USD' WHERE entry_id = {Transfer} AND direction = 'credit'" },
        { "postings", "account_id", "posting_mismatch", $"UPDATE postings SET account_id = {Alice} WHERE entry_id = {Transfer} AND direction = 'credit'" },
        { "postings", "sequence", "posting_mismatch", $"UPDATE postings SET sequence = sequence + 1 WHERE entry_id = {Transfer} AND direction = 'credit'" },
        { "postings", "posted_at", "posting_mismatch", $"UPDATE postings SET posted_at = posted_at + interval '1 second' WHERE entry_id = {Transfer} AND direction = 'credit'" },
        // accounts: GET /accounts/{id}
        { "accounts", "owner_id", "account_mismatch", $"UPDATE accounts SET owner_id = 'mallory' WHERE id = {Bob}" },
        { "accounts", "currency", "account_mismatch", $"UPDATE accounts SET currency = 'USD' WHERE id = {Bob}" },
        { "accounts", "status", "status_mismatch", $"UPDATE accounts SET status = 'frozen' WHERE id = {Bob}" },
        { "accounts", "overdraft_limit", "account_mismatch", $"UPDATE accounts SET overdraft_limit = 1000000 WHERE id = {Bob}" },
        { "accounts", "balance", "balance_mismatch", $"UPDATE accounts SET balance = balance + 100 WHERE id = {Bob}" },
        { "accounts", "held", "held_mismatch", $"UPDATE accounts SET held = held + 5 WHERE id = {Bob}" },
        { "accounts", "metadata", "account_mismatch", $$"""UPDATE accounts SET metadata = '{"tier":"gold"}' WHERE id = {{Bob}}""" },
        { "accounts", "opened_at", "account_mismatch", $"UPDATE accounts SET opened_at = opened_at - interval '1 year' WHERE id = {Bob}" },
        { "accounts", "version", "account_mismatch", $"UPDATE accounts SET version = version + 1 WHERE id = {Bob}" },
        // holds: GET /holds/{id}
        { "holds", "amount", "hold_mismatch", "UPDATE holds SET amount = 11 WHERE description = 'pending hold'" },
        { "holds", "description", "hold_mismatch", "UPDATE holds SET description = 'edited' WHERE description = 'pending hold'" },
        { "holds", "expires_at", "hold_mismatch", "UPDATE holds SET expires_at = expires_at + interval '1 day' WHERE description = 'pending hold'" },
        { "holds", "created_at", "hold_mismatch", "UPDATE holds SET created_at = created_at - interval '1 day' WHERE description = 'pending hold'" },
        { "holds", "account_id", "hold_mismatch", $"UPDATE holds SET account_id = {Bob} WHERE description = 'pending hold'" },
        { "holds", "to_account_id", "hold_mismatch", $"UPDATE holds SET to_account_id = {Alice} WHERE description = 'pending hold'" },
        { "holds", "currency", "hold_mismatch", "UPDATE holds SET currency = 'USD' WHERE description = 'pending hold'" },
        { "holds", "status", "hold_mismatch", "UPDATE holds SET status = 'expired' WHERE description = 'pending hold'" },
        { "holds", "posted_amount", "hold_mismatch", "UPDATE holds SET posted_amount = 20 WHERE description = 'posted hold'" },
        { "holds", "entry_id", "hold_mismatch", $"UPDATE holds SET entry_id = {Transfer} WHERE description = 'posted hold'" },
        { "holds", "closed_at", "hold_mismatch", "UPDATE holds SET closed_at = NULL WHERE description = 'posted hold'" },
        { "holds", "reversal_id", "hold_mismatch", "UPDATE holds SET reversal_id = gen_random_uuid() WHERE description = 'pending hold'" },
    };

    [Theory]
    [MemberData(nameof(EditedColumns))]
    public async Task OneEditedColumn_IsReportedAsExactlyThatRowAndColumn(string table, string column, string kind, string tamper)
    {
        await ledger.Api.ExecuteAsync(tamper);

        var report = await ledger.Api.VerifyAsync();

        report.Ok.ShouldBeFalse();
        report.DiscrepancyCount.ShouldBe(1, string.Join("\n", report.Discrepancies!.Select(d => d.Message)));
        var found = report.FirstDiscrepancy!;
        (found.Table, found.Column, found.Kind).ShouldBe((table, column, kind));
        found.Row.ShouldNotBeNullOrEmpty();
        found.Expected.ShouldNotBe(found.Actual);
        report.Discrepancies!.ShouldHaveSingleItem().ShouldBe(found);
    }

    [Fact]
    public async Task APostingDeleted_IsReportedAsMissingOnItsAccount()
    {
        var bob = await ledger.Api.ScalarAsync<Guid>($"SELECT {Bob}");
        await ledger.Api.ExecuteAsync($"DELETE FROM postings WHERE entry_id = {Transfer} AND direction = 'credit'");

        var report = await ledger.Api.VerifyAsync();

        var found = report.Discrepancies!.ShouldHaveSingleItem();
        (found.Kind, found.Table, found.AccountId).ShouldBe(("posting_missing", "postings", (Guid?)bob));
    }

    [Fact]
    public async Task APostingAddedToAnEntry_IsReportedAsUnexpected()
    {
        await ledger.Api.ExecuteAsync(
            $"""
            INSERT INTO postings (entry_id, line, account_id, direction, amount, currency, balance_after, sequence, posted_at)
            SELECT entry_id, 2, account_id, direction, 1, currency, balance_after + 1, sequence, posted_at
            FROM postings WHERE entry_id = {Transfer} AND direction = 'credit'
            """);

        var report = await ledger.Api.VerifyAsync();

        var found = report.Discrepancies!.ShouldHaveSingleItem();
        (found.Kind, found.Table).ShouldBe(("posting_unexpected", "postings"));
        found.Row!.ShouldEndWith("line 2");
    }

    [Fact]
    public async Task AnEntryForgedWithItsPostings_IsReportedRowByRow()
    {
        // A whole entry that no event wrote, at a sequence where the log has a non-posting event, balanced and all.
        var sequence = await ledger.Api.ScalarAsync<long>("SELECT min(sequence) FROM event_log WHERE type = 'account.opened.v1'");
        await ledger.Api.ExecuteAsync(
            $$"""
            INSERT INTO journal_entries (id, sequence, kind, metadata, posted_at) VALUES ('0193a5c4-7f00-7000-8000-0000000000aa', {{sequence}}, 'transfer', '{}', now());
            INSERT INTO postings (entry_id, line, account_id, direction, amount, currency, balance_after, sequence, posted_at) VALUES
                ('0193a5c4-7f00-7000-8000-0000000000aa', 0, {{Alice}}, 'debit', 5, 'EUR', 0, {{sequence}}, now()),
                ('0193a5c4-7f00-7000-8000-0000000000aa', 1, {{Bob}}, 'credit', 5, 'EUR', 0, {{sequence}}, now());
            """);

        var report = await ledger.Api.VerifyAsync();

        report.Discrepancies!.Select(d => d.Kind).ShouldBe(["entry_unexpected", "posting_unexpected", "posting_unexpected"], ignoreOrder: true);
        report.DiscrepancyCount.ShouldBe(3);
    }

    [Fact]
    public async Task AnEntryDeletedWithItsPostings_IsReportedAsMissing()
    {
        await ledger.Api.ExecuteAsync($"DELETE FROM postings WHERE entry_id = {Transfer}; DELETE FROM journal_entries WHERE id = {Transfer}");

        var report = await ledger.Api.VerifyAsync();

        report.Discrepancies!.Select(d => d.Kind).ShouldBe(["entry_missing", "posting_missing", "posting_missing"], ignoreOrder: true);
    }

    [Fact]
    public async Task AnUntouchedLedger_CountsEveryRowItChecked()
    {
        var report = await ledger.Api.VerifyAsync();

        report.Ok.ShouldBeTrue();
        report.DiscrepancyCount.ShouldBe(0);
        report.Discrepancies.ShouldBeEmpty();
        report.EntriesChecked.ShouldBe(await ledger.Api.ScalarAsync<long>("SELECT count(*) FROM journal_entries"));
        report.PostingsChecked.ShouldBe(await ledger.Api.ScalarAsync<long>("SELECT count(*) FROM postings"));
        report.HoldsChecked.ShouldBe(2);
    }

    internal static async Task<JsonObject> Expect201(Task<HttpResponseMessage> sending)
    {
        var response = await sending;
        await LedgerApi.ExpectAsync(response, System.Net.HttpStatusCode.Created);
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
    }
}

/// <summary>Writes through the API (40 more accounts), so it cannot share <see cref="VerificationColumnByColumn.TamperableLedger"/>:
/// its events would stay in the log when the tables are put back.</summary>
public sealed class VerificationOfManyDiscrepancies : IAsyncLifetime
{
    private readonly LedgerApi api = new();

    public ValueTask InitializeAsync() => api.InitializeAsync();

    public ValueTask DisposeAsync() => api.DisposeAsync();

    [Fact]
    public async Task ManyDiscrepancies_AreAllCounted_AndTheFirstHundredListed()
    {
        // Every account row, entry and posting edited at once: the report stays bounded, the count does not lie.
        for (var i = 0; i < 40; i++)
        {
            await api.OpenAccountAsync($"extra-{i}");
        }
        await api.ExecuteAsync("UPDATE accounts SET version = version + 1, owner_id = owner_id || '!', overdraft_limit = overdraft_limit + 1");
        var accounts = await api.ScalarAsync<long>("SELECT count(*) FROM accounts");

        var report = await api.VerifyAsync();

        report.DiscrepancyCount.ShouldBe(accounts * 3);
        report.Discrepancies!.Count.ShouldBe(100);
        report.FirstDiscrepancy.ShouldBe(report.Discrepancies[0]);
    }
}
