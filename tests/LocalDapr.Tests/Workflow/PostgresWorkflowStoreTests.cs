using Dapr.DurableTask.Protobuf;
using Google.Protobuf.WellKnownTypes;
using LedgerX.LocalDapr.Hosting;
using LedgerX.LocalDapr.Resources;
using LedgerX.LocalDapr.Tests.Infrastructure;
using LedgerX.LocalDapr.Workflow;
using LedgerX.Testing;
using Npgsql;

namespace LedgerX.LocalDapr.Tests.Workflow;

/// <summary>The PostgreSQL workflow store's own guarantees, below the engine.</summary>
public sealed class PostgresWorkflowStoreTests : IAsyncLifetime
{
    private string _database = "";

    private static CancellationToken Ct => WorkflowTestTimeout.Token;

    public async ValueTask InitializeAsync() => _database = await TestPostgres.CreateDatabaseAsync("wfstore", Ct);

    public async ValueTask DisposeAsync() => await TestPostgres.DropDatabaseAsync(_database);

    [Fact]
    public async Task Each_app_sees_only_its_own_instances_in_a_shared_database()
    {
        await using var ledger = await PostgresWorkflowStore.OpenAsync(_database, "ledger", Ct);
        await using var fraud = await PostgresWorkflowStore.OpenAsync(_database, "fraud", Ct);
        await ledger.SaveAsync(Record("same-id"), Ct);
        await fraud.SaveAsync(Record("same-id"), Ct);
        await ledger.SaveAsync(Record("only-ledger"), Ct);

        (await ledger.ListIdsAsync(null, 10, Ct)).ShouldBe(["only-ledger", "same-id"]);
        (await fraud.ListIdsAsync(null, 10, Ct)).ShouldBe(["same-id"]);
        (await fraud.LoadActiveAsync(Ct)).Select(r => r.InstanceId).ShouldBe(["same-id"]);
        (await fraud.LoadAsync("only-ledger", Ct)).ShouldBeNull();
        (await fraud.DeleteAsync("only-ledger", Ct)).ShouldBeFalse();
    }

    [Fact]
    public async Task A_save_from_a_stale_revision_is_refused()
    {
        await using var store = await PostgresWorkflowStore.OpenAsync(_database, "ledger", Ct);
        var record = Record("wf-1");
        await store.SaveAsync(record, Ct);
        var stale = (await store.LoadAsync("wf-1", Ct))!;
        record.State.CustomStatus = "moved on";
        await store.SaveAsync(record, Ct);

        stale.State.CustomStatus = "lost update";
        await Should.ThrowAsync<WorkflowConcurrencyException>(() => store.SaveAsync(stale, Ct));
        await Should.ThrowAsync<WorkflowConcurrencyException>(() => store.SaveAsync(Record("wf-1"), Ct));
        (await store.LoadAsync("wf-1", Ct))!.State.CustomStatus.ShouldBe("moved on");
    }

    [Fact]
    public async Task A_sidecar_keeps_workflows_in_its_postgresql_actor_state_store_and_otherwise_in_memory()
    {
        using var postgres = new ResourceFolder()
            .WithComponent("statestore", "state.postgresql", ("connectionString", "postgres://placeholder"), ("actorStateStore", "true"))
            .WithComponent("cache", "state.in-memory");
        using var inMemory = new ResourceFolder().WithComponent("statestore", "state.in-memory", ("actorStateStore", "true"));
        var options = new SidecarOptions
        {
            AppId = "transaction-service",
            ComponentMetadataOverrides = new Dictionary<string, IReadOnlyDictionary<string, string>> { ["statestore"] = new Dictionary<string, string> { ["connectionString"] = _database } },
        };

        await using var durable = await WorkflowStoreFactory.OpenAsync(ResourceLoader.Load([postgres.Path], null, options.AppId), options, Ct);
        await using var volatileStore = await WorkflowStoreFactory.OpenAsync(ResourceLoader.Load([inMemory.Path], null, options.AppId), options, Ct);

        durable.ShouldBeOfType<PostgresWorkflowStore>();
        await durable.SaveAsync(Record("wf-in-actor-store"), Ct);
        await using var sameApp = await PostgresWorkflowStore.OpenAsync(_database, "transaction-service", Ct);
        (await sameApp.LoadAsync("wf-in-actor-store", Ct)).ShouldNotBeNull();
        volatileStore.ShouldBeOfType<InMemoryWorkflowStore>();
    }

    [Fact]
    public async Task Listing_pages_in_ordinal_order_and_finding_filters_by_status_and_creation_time()
    {
        await using var store = await PostgresWorkflowStore.OpenAsync(_database, "ledger", Ct);
        foreach (string id in new[] { "c", "B", "a" })
        {
            await store.SaveAsync(Record(id), Ct);
        }

        var done = (await store.LoadAsync("a", Ct))!;
        done.State.WorkflowStatus = OrchestrationStatus.Completed;
        await store.SaveAsync(done, Ct);

        (await store.ListIdsAsync(null, 2, Ct)).ShouldBe(["B", "a"]);
        (await store.ListIdsAsync("a", 2, Ct)).ShouldBe(["c"]);
        (await store.FindAsync(null, null, [], Ct)).Count.ShouldBe(3);
        (await store.FindAsync(null, null, [OrchestrationStatus.Completed], Ct)).ShouldBe(["a"]);
        (await store.FindAsync(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(5), [OrchestrationStatus.Running], Ct)).Count.ShouldBe(2);
        (await store.FindAsync(DateTimeOffset.UtcNow.AddMinutes(5), null, [], Ct)).ShouldBeEmpty();
        (await store.LoadActiveAsync(Ct)).Select(r => r.InstanceId).Order(StringComparer.Ordinal).ShouldBe(["B", "c"]);
    }

    /// <summary>
    /// Issue 19: a cold burst of 50 sagas opened 50 connections (Npgsql's pool allows 100), and connection set-up made
    /// some starts outlast the app's timeout. daprd's pgx pool holds max(4, CPUs). Saves are held on a table lock so that
    /// every one of them wants a connection at once: no more than the bound may reach the server, and all still commit.
    /// </summary>
    [Fact]
    public async Task A_burst_of_saves_shares_a_pool_as_small_as_daprds()
    {
        int bound = Math.Max(4, Environment.ProcessorCount);
        await using var store = await PostgresWorkflowStore.OpenAsync(_database, "ledger", Ct);
        await using var blocker = new NpgsqlConnection(_database);
        await blocker.OpenAsync(Ct);
        await using var transaction = await blocker.BeginTransactionAsync(Ct);
        await using (var lockTable = new NpgsqlCommand("LOCK TABLE workflow_instances IN EXCLUSIVE MODE", blocker, transaction))
        {
            await lockTable.ExecuteNonQueryAsync(Ct);
        }

        var saves = Enumerable.Range(0, bound * 3).Select(i => Task.Run(() => store.SaveAsync(Record($"burst-{i}"), Ct), Ct)).ToList();
        long connections = 0;
        using (var waited = CancellationTokenSource.CreateLinkedTokenSource(Ct))
        {
            waited.CancelAfter(TimeSpan.FromSeconds(20));
            while ((connections = await StoreConnectionsAsync(blocker.ProcessID, waited.Token)) < bound)
            {
                await Task.Delay(50, waited.Token);
            }
        }

        await Task.Delay(500, Ct); // time for any save beyond the bound to open a connection of its own, were it allowed
        connections = await StoreConnectionsAsync(blocker.ProcessID, Ct);
        await transaction.CommitAsync(Ct);
        await Task.WhenAll(saves);

        connections.ShouldBe(bound);
        (await store.ListIdsAsync(null, 1000, Ct)).Count.ShouldBe(bound * 3);
    }

    /// <summary>Connections to the test's database other than the lock holder's and this query's own. Asked on a connection
    /// of its own, outside the lock holder's transaction, whose view of pg_stat_activity is a snapshot taken once.</summary>
    private async Task<long> StoreConnectionsAsync(int lockHolder, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(_database);
        await connection.OpenAsync(ct);
        await using var count = new NpgsqlCommand(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND pid <> $1", connection);
        count.Parameters.AddWithValue(lockHolder);
        return (long)(await count.ExecuteScalarAsync(ct))!;
    }

    private static WorkflowRecord Record(string id) => new()
    {
        InstanceId = id,
        State = new WorkflowState { InstanceId = id, Name = "Saga", WorkflowStatus = OrchestrationStatus.Running, CreatedTimestamp = Timestamp.FromDateTime(DateTime.UtcNow) },
        Inbox = [new HistoryEvent { EventId = -1, Timestamp = Timestamp.FromDateTime(DateTime.UtcNow), ExecutionStarted = new ExecutionStartedEvent { Name = "Saga" } }],
    };
}
