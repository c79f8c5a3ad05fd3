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
        _database = await LedgerDatabases.CreateAsync("lost_commit");
        _proxy = TcpProxy.To(_database);
        // Long enough that a 1 s COMMIT is waited for, not ended (the writer ends a backend half way through).
        _api = new LedgerReplica(_database, _proxy, new Dictionary<string, string?> { ["Ledger:CommitOutcomeTimeoutMs"] = "3000" });
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

    [Fact]
    public async Task WhenTheDatabaseCannotBeAskedInTime_TheCallerIsTold503CommitOutcomeUnknown_AndARetryWithTheKeyReplays()
    {
        var account = await _api.OpenAccountAsync("unknown-outcome");
        await _api.DepositAsync(account.Id, 100);
        var body = new { accountId = account.Id, amount = 40, currency = "EUR", description = SlowCommit.Description };

        var deposit = PostWithKeyAsync(body, "unknown-outcome-1");
        var port = await SlowCommit.CommittingBackendPortAsync(_api);
        _proxy.FreezeReplies();
        _proxy.Cut(port);
        var response = await deposit;
        _proxy.Thaw();

        response.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        (await response.Content.ReadAsStringAsync()).ShouldContain("\"code\":\"commit_outcome_unknown\"");
        // The batch was not run again: it committed once (its backend finished the COMMIT), and the key replays it.
        var retry = await PostWithKeyAsync(body, "unknown-outcome-1");
        await LedgerApi.ExpectAsync(retry, HttpStatusCode.Created);
        retry.Headers.GetValues("Idempotent-Replayed").ShouldBe(["true"]);
        (await _api.ScalarAsync<long>($"SELECT count(*) FROM journal_entries WHERE description = '{SlowCommit.Description}'")).ShouldBe(1);
        (await _api.GetAccountAsync(account.Id)).Balance.ShouldBe(140);
        (await _api.VerifyAsync()).Ok.ShouldBeTrue();
    }

    private Task<HttpResponseMessage> PostWithKeyAsync(object body, string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/deposits") { Content = JsonContent.Create(body) };
        request.Headers.Add("Idempotency-Key", key);
        return _api.Client.SendAsync(request);
    }
}
