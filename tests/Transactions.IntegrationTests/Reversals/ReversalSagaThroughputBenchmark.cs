using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using Dapr.Workflow;
using LedgerX.LocalDapr.Hosting;
using LedgerX.Testing;
using LedgerX.Transactions.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace LedgerX.Transactions.IntegrationTests.Reversals;

/// <summary>
/// Throughput harness, not a timed test: skipped unless <c>LEDGERX_REVERSAL_BENCH=1</c>. Each saga is a full reversal
/// below the approval threshold (POST /api/v1/reversals → validate, hold, post, notify: four ledger writes through the
/// group-commit writer), waited for through the workflow client. Prints sagas/s, one at a time and 50 at once, with
/// the workflow state in memory and in PostgreSQL. Results go to docs/benchmarks.md.
/// </summary>
public sealed class ReversalSagaThroughputBenchmark(ITestOutputHelper output)
{
    private const int Sequential = 30;
    private const int Parallel = 50;
    private const int ParallelRounds = 3;

    [Theory]
    [InlineData("in-memory")]
    [InlineData("postgresql")]
    public async Task Reversal_sagas_per_second(string workflowStore)
    {
        Assert.SkipUnless(Environment.GetEnvironmentVariable("LEDGERX_REVERSAL_BENCH") == "1", "set LEDGERX_REVERSAL_BENCH=1 to run the reversal saga benchmark");
        Assert.SkipWhen(Environment.GetEnvironmentVariable("LEDGERX_REVERSAL_BENCH_STORE") is { Length: > 0 } only && only != workflowStore,
            "LEDGERX_REVERSAL_BENCH_STORE names the other store");
        var resources = Directory.CreateTempSubdirectory("ledgerx-saga-bench-").FullName;
        var grpcPort = LedgerApi.FreePort();
        string? workflowDatabase = workflowStore == "postgresql" ? await TestPostgres.CreateDatabaseAsync("wfbench") : null;
        LocalDaprSidecar? sidecar = null;
        try
        {
            sidecar = await SagaHost.StartSidecarAsync(grpcPort, resources, WithPool(workflowDatabase));
            var timeline = new SagaTimeline();
            await using var api = new TimedSagaHost(grpcPort, timeline);
            await api.InitializeAsync();
            var workflows = api.Services.GetRequiredService<DaprWorkflowClient>();
            var (entries, transferMs) = await TransfersAsync(api, Sequential + Parallel * (ParallelRounds + 1));
            var next = 0;

            // Warm-up, as many at once as a round: the first burst opens the sidecar's connections to the workflow store
            // one per concurrent saga, and on a loaded machine some starts then outlast SidecarCallTimeoutMs and are left
            // to the sweeper (a minute later), which would measure connection set-up, not sagas.
            await Task.WhenAll(entries.Take(Parallel).Select(e => ReverseAsync(api, workflows, timeline, e)));
            next += Parallel;
            var sequentialSagas = new List<Guid>();
            var sequential = Stopwatch.StartNew();
            for (var i = 0; i < Sequential; i++)
            {
                sequentialSagas.Add(await ReverseAsync(api, workflows, timeline, entries[next++]));
            }
            sequential.Stop();
            double best = 0;
            for (var round = 0; round < ParallelRounds; round++)
            {
                var batch = entries.Skip(next).Take(Parallel).ToList();
                next += Parallel;
                var parallel = Stopwatch.StartNew();
                await Task.WhenAll(batch.Select(e => ReverseAsync(api, workflows, timeline, e)));
                parallel.Stop();
                best = Math.Max(best, Parallel / parallel.Elapsed.TotalSeconds);
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{workflowStore}: {Parallel} in parallel, round {round}: {parallel.Elapsed.TotalMilliseconds:F0} ms = {Parallel / parallel.Elapsed.TotalSeconds:F1} sagas/s"));
            }
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{workflowStore}: sequential {Sequential}: {sequential.Elapsed.TotalMilliseconds:F0} ms = {Sequential / sequential.Elapsed.TotalSeconds:F1} sagas/s ({sequential.Elapsed.TotalMilliseconds / Sequential:F1} ms each)"));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{workflowStore}: {Parallel} in parallel, best of {ParallelRounds}: {best:F1} sagas/s"));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{workflowStore}: baseline, one transfer at a time (POST /api/v1/transfers, one ledger write): {transferMs:F1} ms each"));
            output.WriteLine($"{workflowStore}: where a sequential saga's time goes (mean of {Sequential}):{Environment.NewLine}{timeline.Breakdown(sequentialSagas)}");
            // A saga whose start did not answer within SidecarCallTimeoutMs is started by the sweeper, a minute later.
            output.WriteLine($"{workflowStore}: reversals the sweeper looked at: {await api.ScalarAsync<long>("SELECT count(*) FROM reversals WHERE saga_checked_at IS NOT NULL")}");
            if (workflowDatabase is not null)
            {
                // Every save of an instance adds one to its revision (the insert makes it 1): the writes a saga cost the
                // workflow store, a count the machine's load does not move.
                await using var store = new Npgsql.NpgsqlConnection(workflowDatabase);
                await store.OpenAsync();
                await using var writes = new Npgsql.NpgsqlCommand("SELECT coalesce(sum(revision), 0)::float8 / greatest(count(*), 1) FROM workflow_instances", store);
                var perSaga = (double)(await writes.ExecuteScalarAsync())!;
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{workflowStore}: workflow-store writes per saga: {perSaga:F2}"));
            }
            output.WriteLine($"load average: {File.ReadAllText("/proc/loadavg").Trim()}");
            await api.AssertLedgerInvariantsAsync();
        }
        finally
        {
            if (sidecar is not null)
            {
                await sidecar.DisposeAsync();
            }
            if (workflowDatabase is not null)
            {
                Npgsql.NpgsqlConnection.ClearAllPools();
                await TestPostgres.DropDatabaseAsync(workflowDatabase);
            }
            Directory.Delete(resources, recursive: true);
        }
    }

    /// <summary><c>LEDGERX_REVERSAL_BENCH_WF_POOL=N</c>: the sidecar's workflow store gets a pool of N connections (pgx's
    /// <c>pool_max_conns</c>, as a component would say it) instead of daprd's default max(4, CPUs), to tell the bound's
    /// share of the result from the machine's.</summary>
    private static string? WithPool(string? workflowDatabase)
    {
        if (workflowDatabase is null || Environment.GetEnvironmentVariable("LEDGERX_REVERSAL_BENCH_WF_POOL") is not { Length: > 0 } pool)
        {
            return workflowDatabase;
        }
        var b = new Npgsql.NpgsqlConnectionStringBuilder(workflowDatabase);
        return $"host={b.Host} port={b.Port} user={b.Username} dbname={b.Database} pool_max_conns={int.Parse(pool, CultureInfo.InvariantCulture)}"
               + (b.Password is { Length: > 0 } password ? $" password={password}" : "");
    }

    private static async Task<Guid> ReverseAsync(SagaHost api, DaprWorkflowClient workflows, SagaTimeline timeline, Guid entry)
    {
        var requested = Stopwatch.GetTimestamp();
        var accepted = await api.RequestReversalAsync(entry, reason: "benchmark");
        timeline.Mark(accepted.Id, "request sent", requested);
        timeline.Mark(accepted.Id, "202 received");
        var state = await workflows.WaitForWorkflowCompletionAsync(accepted.Id.ToString(), getInputsAndOutputs: true);
        timeline.Mark(accepted.Id, "completion seen");
        state.ReadOutputAs<string>().ShouldBe("completed");
        return accepted.Id;
    }

    /// <summary>One payer and one receiver per entry, so sagas contend on the ledger only through the writer. Also the
    /// run's baseline: the mean time of one transfer (one ledger write through the API) made one at a time.</summary>
    private static async Task<(List<Guid> Entries, double TransferMs)> TransfersAsync(SagaHost api, int count)
    {
        var entries = new List<Guid>(count);
        var transfers = TimeSpan.Zero;
        for (var i = 0; i < count; i++)
        {
            var payer = await api.OpenAccountAsync($"bench-payer-{i}");
            var receiver = await api.OpenAccountAsync($"bench-receiver-{i}");
            await api.DepositAsync(payer.Id, 100);
            var started = Stopwatch.GetTimestamp();
            var response = await api.Client.PostAsJsonAsync("/api/v1/transfers", new { fromAccountId = payer.Id, toAccountId = receiver.Id, amount = 100, currency = "EUR" });
            transfers += Stopwatch.GetElapsedTime(started);
            entries.Add((await response.Content.ReadFromJsonAsync<System.Text.Json.Nodes.JsonObject>())!["id"]!.GetValue<Guid>());
        }
        return (entries, transfers.TotalMilliseconds / count);
    }
}
