using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using LedgerX.Testing;
using LedgerX.Transactions.IntegrationTests.Infrastructure;

namespace LedgerX.Transactions.IntegrationTests.Ledger;

/// <summary>
/// Two replicas on one ledger database. One is cut off from PostgreSQL (its proxy stops forwarding replies) right after
/// its batch took the ledger-wide <c>ledger_head</c> lock. The server ends that transaction once it has idled past the
/// replica's <c>Ledger:Database:IdleInTransactionTimeoutMs</c>, and the other replica keeps writing; the frozen one's
/// caller gets an honest answer when the network heals, and nothing is lost or doubled.
/// </summary>
public sealed class FrozenReplica : IAsyncLifetime
{
    private string _database = "";
    private TcpProxy _proxy = null!;
    private LedgerReplica _frozen = null!;
    private LedgerReplica _healthy = null!;

    public async ValueTask InitializeAsync()
    {
        _database = await LedgerDatabases.CreateAsync("frozen_replica");
        _proxy = TcpProxy.To(_database);
        _frozen = new LedgerReplica(_database, _proxy, new Dictionary<string, string?> { ["Ledger:Database:IdleInTransactionTimeoutMs"] = "1000" });
        await _frozen.InitializeAsync();
        _healthy = new LedgerReplica(_database);
        await _healthy.InitializeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        _proxy.Thaw();
        await _frozen.DisposeAsync();
        await _healthy.DisposeAsync();
        await _proxy.DisposeAsync();
        await TestPostgres.DropDatabaseAsync(_database);
    }

    [Fact]
    public async Task AReplicaFrozenWhileHoldingTheLogHead_DoesNotStopTheOtherReplicasWrites()
    {
        var account = await _healthy.OpenAccountAsync("two-replicas");
        await _healthy.DepositAsync(account.Id, 1_000);
        await _frozen.GetAccountAsync(account.Id);
        // The same five deposits with nothing frozen: what this machine, as loaded as it is now, needs for them. The bound
        // below is 20 s on top of a few times that, so a loaded run is judged by its own pace, not by a quiet machine's.
        var unhindered = await FiveDepositsAsync(account.Id, TimeSpan.FromSeconds(60));

        _proxy.FreezeReplies();
        var stuck = _frozen.Client.PostAsJsonAsync("/api/v1/deposits", new { accountId = account.Id, amount = 7, currency = "EUR", description = "from-frozen" });
        await LogHeadHeldByAnIdleTransactionAsync();
        var bound = TimeSpan.FromSeconds(20) + 3 * unhindered;
        // Without the server-side timeouts each waits for as long as the partition lasts (here: for ever).
        var writing = await FiveDepositsAsync(account.Id, bound);
        _proxy.Thaw();
        var answer = await stuck;

        writing.ShouldBeLessThan(bound, $"five deposits took {unhindered.TotalSeconds:0.0} s with no replica frozen");
        answer.StatusCode.ShouldBeOneOf(HttpStatusCode.Created, HttpStatusCode.ServiceUnavailable);
        var applied = answer.StatusCode == HttpStatusCode.Created ? 1 : 0;
        (await _healthy.ScalarAsync<long>("SELECT count(*) FROM journal_entries WHERE description = 'from-frozen'")).ShouldBe(applied);
        (await _healthy.GetAccountAsync(account.Id)).Balance.ShouldBe(1_100 + 7 * applied);
        (await _healthy.VerifyAsync()).Ok.ShouldBeTrue();
    }

    /// <summary>Five deposits of 10 through the healthy replica, one after the other; how long they took.</summary>
    private async Task<TimeSpan> FiveDepositsAsync(Guid account, TimeSpan eachWithin)
    {
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < 5; i++)
        {
            await _healthy.DepositAsync(account, 10).WaitAsync(eachWithin);
        }
        return clock.Elapsed;
    }

    private async Task LogHeadHeldByAnIdleTransactionAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (await _healthy.ScalarAsync<long>(
                   """
                   SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
                   WHERE l.relation = 'ledger_head'::regclass AND l.granted AND a.state = 'idle in transaction'
                   """) == 0)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("The frozen replica's batch never took the log head.");
            }
            await Task.Delay(10);
        }
    }
}
