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
        _database = await TestPostgres.CreateDatabaseAsync("writer_shutdown");
        _api = new LedgerReplica(_database);
        await _api.InitializeAsync();
        await SlowCommit.InstallAsync(_api, milliseconds: 1500);
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

        var committing = _api.SubmitDepositAsync(account.Id, 40, SlowCommit.Description);
        await SlowCommit.CommittingBackendPortAsync(_api);
        // Queued behind the committing batch (the writer is busy with it).
        var queued = new[] { _api.SubmitDepositAsync(account.Id, 1, "queued-1"), _api.SubmitDepositAsync(account.Id, 2, "queued-2") };
        await _api.Writer.StopAsync(CancellationToken.None);

        (await committing).ShouldBeOfType<WriteResult.Applied>();
        foreach (var write in queued)
        {
            (await Should.ThrowAsync<LedgerUnavailableException>(write)).Code.ShouldBe(LedgerUnavailableException.ShuttingDownCode);
        }
        var late = await _api.Client.PostAsJsonAsync("/api/v1/deposits", new { accountId = account.Id, amount = 5, currency = "EUR", description = "late" });
        late.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        (await late.Content.ReadAsStringAsync()).ShouldContain("\"code\":\"ledger_shutting_down\"");

        (await _api.ScalarAsync<long>($"SELECT count(*) FROM journal_entries WHERE description = '{SlowCommit.Description}'")).ShouldBe(1);
        (await _api.ScalarAsync<long>("SELECT count(*) FROM journal_entries WHERE description IN ('queued-1', 'queued-2', 'late')")).ShouldBe(0);
        (await _api.GetAccountAsync(account.Id)).Balance.ShouldBe(140);
        (await _api.VerifyAsync()).Ok.ShouldBeTrue();
    }
}
