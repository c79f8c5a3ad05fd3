using System.Net;
using System.Net.Http.Json;
using LedgerX.Testing;
using LedgerX.Transactions.IntegrationTests.Infrastructure;

namespace LedgerX.Transactions.IntegrationTests.Ledger;

/// <summary>
/// The connection breaks while a batch's COMMIT runs, so the writer gets no answer. It must learn the outcome from the
/// transaction itself: looking for the batch's rows from another connection finds nothing while the COMMIT is still in
/// flight, and running the batch again then applies a command without an Idempotency-Key twice.
/// </summary>
public sealed class LostCommitAnswer : IAsyncLifetime
{
    private string _database = "";
    private TcpProxy _proxy = null!;
    private LedgerReplica _api = null!;

    public async ValueTask InitializeAsync()
    {
        _database = await TestPostgres.CreateDatabaseAsync("lost_commit");
        _proxy = TcpProxy.To(_database);
        _api = new LedgerReplica(_database, _proxy);
        await _api.InitializeAsync();
        await SlowCommit.InstallAsync(_api, milliseconds: 1000);
    }

    public async ValueTask DisposeAsync()
    {
        await _api.DisposeAsync();
        await _proxy.DisposeAsync();
        await TestPostgres.DropDatabaseAsync(_database);
    }

    [Fact]
    public async Task AKeylessDepositWhoseCommitAnswerIsLost_IsAppliedOnce_AndAnsweredCreated()
    {
        var account = await _api.OpenAccountAsync("lost-answer");
        await _api.DepositAsync(account.Id, 100);

        var deposit = _api.Client.PostAsJsonAsync("/api/v1/deposits",
            new { accountId = account.Id, amount = 40, currency = "EUR", description = SlowCommit.Description });
        _proxy.Cut(await SlowCommit.CommittingBackendPortAsync(_api));
        var response = await deposit;

        await LedgerApi.ExpectAsync(response, HttpStatusCode.Created);
        (await _api.ScalarAsync<long>($"SELECT count(*) FROM journal_entries WHERE description = '{SlowCommit.Description}'")).ShouldBe(1);
        (await _api.GetAccountAsync(account.Id)).Balance.ShouldBe(140);
        (await _api.VerifyAsync()).Ok.ShouldBeTrue();
    }

    [Fact]
    public async Task AKeylessDepositWhoseCommitIsLostAndWhoseBackendIsEnded_IsRunAgain_AndAppliedOnce()
    {
        var account = await _api.OpenAccountAsync("lost-and-ended");
        await _api.DepositAsync(account.Id, 100);

        var deposit = _api.Client.PostAsJsonAsync("/api/v1/deposits",
            new { accountId = account.Id, amount = 40, currency = "EUR", description = SlowCommit.Description });
        var port = await SlowCommit.CommittingBackendPortAsync(_api);
        _proxy.Cut(port);
        // Ended before its commit record: the transaction aborts, and the writer, told so, runs the batch again.
        await _api.ExecuteAsync($"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE client_port = {port} AND datname = current_database()");
        var response = await deposit;

        await LedgerApi.ExpectAsync(response, HttpStatusCode.Created);
        (await _api.ScalarAsync<long>($"SELECT count(*) FROM journal_entries WHERE description = '{SlowCommit.Description}'")).ShouldBe(1);
        (await _api.GetAccountAsync(account.Id)).Balance.ShouldBe(140);
        (await _api.VerifyAsync()).Ok.ShouldBeTrue();
    }
}
