using LedgerX.Testing;
using LedgerX.Transactions.Api.Ledger;
using LedgerX.Transactions.Domain;
using LedgerX.Transactions.IntegrationTests.Infrastructure;

namespace LedgerX.Transactions.IntegrationTests.Ledger;

/// <summary>
/// The writer pipelines (ADR 0020): while one batch commits, the next is formed and its load is already waiting on the
/// server for the log head. That next batch must decide against what the first one really left: its effects when it
/// commits, none of them when its COMMIT fails, and a first batch that is run again after a transient failure must be
/// applied once, after the batch that overtook it. Each test first checks that the next batch really was waiting on
/// the lock while the first committed (so a writer that did not pipeline fails here, rather than passing for the wrong
/// reason). The first batch's COMMIT waits at a <see cref="CommitGate"/> until that has been seen, so the window is as long
/// as the check needs on any machine (it was a fixed 3 s sleep, paid two or three times per test).
/// </summary>
public sealed class PipelinedBatches : IAsyncLifetime
{
    private const string FailingCommit = "fail-commit";
    private const string FailingCommitOnce = "fail-commit-once";
    private const string FailingWrite = "fail-write";

    /// <summary>A hang guard only: with the first COMMIT held, a pipelining writer's next batch is seen waiting at once.</summary>
    private static readonly TimeSpan PipelineSeenWithin = TimeSpan.FromSeconds(30);

    private string _database = "";
    private LedgerReplica _api = null!;

    public async ValueTask InitializeAsync()
    {
        _database = await LedgerDatabases.CreateAsync("pipelined_batches");
        // Pipelining is off by default (ADR 0020, decision 7); these tests are about the pipelined writer.
        _api = new LedgerReplica(_database, settings: new Dictionary<string, string?>(CommitGate.Settings) { ["Ledger:Pipelining"] = "true" });
        await _api.InitializeAsync();
        await CommitGate.InstallAsync(_api);
        // A COMMIT that waits at the gate like the held one, then fails: always (a server ERROR, not transient), or only the
        // first time (a serialization failure, which the writer retries). The sequence counts across aborted transactions.
        await _api.ExecuteAsync(
            $"""
            CREATE SEQUENCE test_commit_failures;
            CREATE FUNCTION test_failing_commit() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                PERFORM test_commit_gate();
                IF NEW.description = '{FailingCommit}' THEN
                    RAISE EXCEPTION 'test: this commit fails';
                END IF;
                IF nextval('test_commit_failures') = 1 THEN
                    RAISE EXCEPTION 'test: this commit fails once' USING ERRCODE = 'serialization_failure';
                END IF;
                RETURN NULL;
            END $$;
            CREATE CONSTRAINT TRIGGER test_failing_commit AFTER INSERT ON journal_entries DEFERRABLE INITIALLY DEFERRED
            FOR EACH ROW WHEN (NEW.description IN ('{FailingCommit}', '{FailingCommitOnce}')) EXECUTE FUNCTION test_failing_commit();
            CREATE FUNCTION test_failing_write() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'test: this write fails'; END $$;
            CREATE TRIGGER test_failing_write BEFORE INSERT ON journal_entries
            FOR EACH ROW WHEN (NEW.description = '{FailingWrite}') EXECUTE FUNCTION test_failing_write();
            """);
    }

    public async ValueTask DisposeAsync()
    {
        await _api.DisposeAsync();
        await TestPostgres.DropDatabaseAsync(_database);
    }

    [Fact]
    public async Task ABatchFormedWhileTheOneBeforeCommits_WaitsForTheLogHead_AndSpendsWhatThatOneDeposited()
    {
        var (payer, payee) = await TwoAccountsAsync("commits");

        await using var gate = await CommitGate.CloseAsync(_api);
        var deposit = _api.SubmitDepositAsync(payer, 100, CommitGate.Description);
        var transfer = await TransferWhileCommittingAsync(payer, payee, 60);
        await gate.OpenAsync();

        (await deposit).ShouldBeOfType<WriteResult.Applied>();
        (await transfer).ShouldBeOfType<WriteResult.Applied>();
        (await _api.GetAccountAsync(payer)).Balance.ShouldBe(40);
        (await _api.GetAccountAsync(payee)).Balance.ShouldBe(60);
        (await _api.VerifyAsync()).Ok.ShouldBeTrue();
    }

    [Fact]
    public async Task WhenTheCommitBeforeFails_TheBatchWaitingForIt_IsDecidedWithoutItsEffects()
    {
        var (payer, payee) = await TwoAccountsAsync("fails");

        await using var gate = await CommitGate.CloseAsync(_api);
        var deposit = _api.SubmitDepositAsync(payer, 100, FailingCommit);
        var transfer = await TransferWhileCommittingAsync(payer, payee, 60);
        await gate.OpenAsync();

        (await Should.ThrowAsync<LedgerUnavailableException>(deposit)).Code.ShouldBe(LedgerUnavailableException.Unavailable);
        (await transfer).ShouldBeOfType<WriteResult.Refused>().Error.Code.ShouldBe("insufficient_funds");
        (await _api.ScalarAsync<long>($"SELECT count(*) FROM journal_entries WHERE description = '{FailingCommit}'")).ShouldBe(0);
        (await _api.GetAccountAsync(payer)).Balance.ShouldBe(0);
        (await _api.GetAccountAsync(payee)).Balance.ShouldBe(0);
        (await _api.VerifyAsync()).Ok.ShouldBeTrue();
    }

    [Fact]
    public async Task WhenTheCommitBeforeFailsTransiently_TheWaitingBatchGoesFirst_AndTheFailedOneIsAppliedOnceAfterIt()
    {
        var (payer, payee) = await TwoAccountsAsync("retried");

        await using var gate = await CommitGate.CloseAsync(_api);
        var deposit = _api.SubmitDepositAsync(payer, 100, FailingCommitOnce);
        var transfer = await TransferWhileCommittingAsync(payer, payee, 60);
        await gate.OpenAsync();

        // The transfer was decided when the deposit's first COMMIT had failed: against a payer with nothing.
        (await transfer).ShouldBeOfType<WriteResult.Refused>().Error.Code.ShouldBe("insufficient_funds");
        // The deposit, run again after it, committed once.
        (await deposit).ShouldBeOfType<WriteResult.Applied>();
        (await _api.ScalarAsync<long>($"SELECT count(*) FROM journal_entries WHERE description = '{FailingCommitOnce}'")).ShouldBe(1);
        (await _api.GetAccountAsync(payer)).Balance.ShouldBe(100);
        (await _api.GetAccountAsync(payee)).Balance.ShouldBe(0);
        (await _api.VerifyAsync()).Ok.ShouldBeTrue();
    }

    /// <summary>COMMIT is the last statement of the write batch: a write that fails must leave nothing behind (the server
    /// skips the COMMIT, the transaction is rolled back), and the commands that shared its batch are applied one by one.</summary>
    [Fact]
    public async Task AWriteThatFailsInTheBatchThatAlsoCommits_CommitsNothing_AndItsNeighboursAreAppliedAlone()
    {
        var (payer, payee) = await TwoAccountsAsync("write-fails");

        await using var gate = await CommitGate.CloseAsync(_api);
        var deposit = _api.SubmitDepositAsync(payer, 100, CommitGate.Description);
        var transfer = await TransferWhileCommittingAsync(payer, payee, 60);
        // Queued while the transfer's batch waits for the log head: these two are taken together after it.
        var failing = _api.SubmitDepositAsync(payee, 5, FailingWrite);
        var neighbour = _api.SubmitDepositAsync(payee, 7, "beside-a-failing-write");
        await gate.OpenAsync();

        (await deposit).ShouldBeOfType<WriteResult.Applied>();
        (await transfer).ShouldBeOfType<WriteResult.Applied>();
        (await Should.ThrowAsync<LedgerUnavailableException>(failing)).Code.ShouldBe(LedgerUnavailableException.Unavailable);
        (await neighbour).ShouldBeOfType<WriteResult.Applied>();
        (await _api.ScalarAsync<long>($"SELECT count(*) FROM journal_entries WHERE description = '{FailingWrite}'")).ShouldBe(0);
        (await _api.GetAccountAsync(payer)).Balance.ShouldBe(40);
        (await _api.GetAccountAsync(payee)).Balance.ShouldBe(67);
        (await _api.VerifyAsync()).Ok.ShouldBeTrue();
        // And the writer goes on: its connections came back from the failed transaction clean.
        (await _api.SubmitDepositAsync(payee, 1, "after-a-failing-write")).ShouldBeOfType<WriteResult.Applied>();
        (await _api.GetAccountAsync(payee)).Balance.ShouldBe(68);
    }

    private async Task<(Guid Payer, Guid Payee)> TwoAccountsAsync(string owner) =>
        ((await _api.OpenAccountAsync($"{owner}-payer")).Id, (await _api.OpenAccountAsync($"{owner}-payee")).Id);

    /// <summary>Once a batch is inside its (held) COMMIT, submits a transfer and waits until the transfer's load waits on
    /// a lock, which only the committing batch holds: the next batch was sent before the one before it had ended.</summary>
    private async Task<Task<WriteResult>> TransferWhileCommittingAsync(Guid payer, Guid payee, long amount)
    {
        await SlowCommit.CommittingBackendPortAsync(_api);
        var money = new Money(amount, Currency.Parse("EUR"));
        var transfer = _api.Writer.SubmitAsync(
            new PostEntry(EntryKind.Transfer,
                [new(new AccountId(payer), Direction.Debit, money, "fromAccountId"), new(new AccountId(payee), Direction.Credit, money, "toAccountId")],
                new EntryDetails("pipelined", null, LedgerMetadata.Empty)),
            null, (_, _) => new StoredResponse(201, []), CancellationToken.None);

        var deadline = DateTime.UtcNow + PipelineSeenWithin;
        while (await _api.ScalarAsync<long>(
                   """
                   SELECT count(*) FROM pg_stat_activity
                   WHERE datname = current_database() AND wait_event_type = 'Lock' AND query ILIKE '%ledger_head%'
                   """) == 0)
        {
            transfer.IsCompleted.ShouldBeFalse("the transfer was answered before the batch before it had committed");
            if (DateTime.UtcNow > deadline)
            {
                throw new ShouldAssertException("The transfer's batch was not waiting for the log head while the batch before it committed: the writer did not pipeline.");
            }
            await Task.Delay(10);
        }
        return transfer;
    }
}
