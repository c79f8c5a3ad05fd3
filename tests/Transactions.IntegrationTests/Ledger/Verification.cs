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

        report.FirstDiscrepancy!.Kind.ShouldBe("postings_mismatch");
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
    public async Task TheLogItself_RefusesUpdatesAndDeletes()
    {
        var update = await Should.ThrowAsync<Npgsql.PostgresException>(() => _api.ExecuteAsync("UPDATE event_log SET type = type WHERE sequence = 1"));
        var delete = await Should.ThrowAsync<Npgsql.PostgresException>(() => _api.ExecuteAsync("DELETE FROM outbox; DELETE FROM event_log"));

        update.MessageText.ShouldContain("append-only");
        delete.MessageText.ShouldContain("append-only");
        (await _api.VerifyAsync()).Ok.ShouldBeTrue();
    }

    /// <summary>What an attacker with the table owner's rights would do: switch the append-only guard off first.</summary>
    private Task TamperWithLogAsync(string sql) => _api.ExecuteAsync(
        $"ALTER TABLE event_log DISABLE TRIGGER event_log_append_only; {sql}; ALTER TABLE event_log ENABLE TRIGGER event_log_append_only;");
}
