using System.Net;
using System.Net.Http.Json;
using LedgerX.Testing;
using LedgerX.Transactions.Api.Ledger;
using LedgerX.Transactions.IntegrationTests.Infrastructure;

namespace LedgerX.Transactions.IntegrationTests.Ledger;

/// <summary>
/// Stopping the writer while a batch commits: that batch runs to its end and its callers get its real outcome; what is
/// still queued is answered 503 <c>ledger_shutting_down</c> and applied nowhere; later writes are refused the same way.
/// </summary>
public sealed class WriterShutdown : IAsyncLifetime
{
    private string _database = "";
    private LedgerReplica _api = null!;

    public async ValueTask InitializeAsync()
    {
        _database = await LedgerDatabases.CreateAsync("writer_shutdown");
        _api = new LedgerReplica(_database, settings: new Dictionary<string, string?>(CommitGate.Settings));
        await _api.InitializeAsync();
        await CommitGate.InstallAsync(_api);
    }

    public async ValueTask DisposeAsync()
    {
        await _api.DisposeAsync();
        await TestPostgres.DropDatabaseAsync(_database);
    }

    [Fact]
    public async Task StoppingFinishesTheCommittingBatch_AndAnswersTheQueuedOnes503_NotApplied()
    {
        var account = await _api.OpenAccountAsync("shutdown");
        await _api.DepositAsync(account.Id, 100);

        // The batch's COMMIT is held until the writer has been told to stop: a fixed slow commit (1.5 s) once ran out on
        // a loaded machine before StopAsync was called, and the queued deposits were then applied as the next batch.
        await using var gate = await CommitGate.CloseAsync(_api);
        var committing = _api.SubmitDepositAsync(account.Id, 40, CommitGate.Description);
        await SlowCommit.CommittingBackendPortAsync(_api);
        // Queued behind the committing batch (the writer is busy with it).
        var queued = new[] { _api.SubmitDepositAsync(account.Id, 1, "queued-1"), _api.SubmitDepositAsync(account.Id, 2, "queued-2") };
        // Stopping cancels the writer at once (BackgroundService.StopAsync) and then waits for the committing batch.
        var stopping = _api.Writer.StopAsync(CancellationToken.None);
        committing.IsCompleted.ShouldBeFalse("the batch committed before the writer was stopped");
        await gate.OpenAsync();
        await stopping;

        (await committing).ShouldBeOfType<WriteResult.Applied>();
        foreach (var write in queued)
        {
            (await Should.ThrowAsync<LedgerUnavailableException>(write)).Code.ShouldBe(LedgerUnavailableException.ShuttingDownCode);
        }
        var late = await _api.Client.PostAsJsonAsync("/api/v1/deposits", new { accountId = account.Id, amount = 5, currency = "EUR", description = "late" });
        late.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        (await late.Content.ReadAsStringAsync()).ShouldContain("\"code\":\"ledger_shutting_down\"");

        (await _api.ScalarAsync<long>($"SELECT count(*) FROM journal_entries WHERE description = '{CommitGate.Description}'")).ShouldBe(1);
        (await _api.ScalarAsync<long>("SELECT count(*) FROM journal_entries WHERE description IN ('queued-1', 'queued-2', 'late')")).ShouldBe(0);
        (await _api.GetAccountAsync(account.Id)).Balance.ShouldBe(140);
        (await _api.VerifyAsync()).Ok.ShouldBeTrue();
    }
}
