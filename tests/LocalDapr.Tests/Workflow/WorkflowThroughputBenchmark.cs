using System.Diagnostics;
using System.Globalization;
using Dapr.Workflow;
using LedgerX.LocalDapr.Workflow;
using LedgerX.Testing;

namespace LedgerX.LocalDapr.Tests.Workflow;

/// <summary>
/// Throughput harness, not a timed test: skipped unless <c>LEDGERX_WORKFLOW_BENCH=1</c>. Runs a 3-activity
/// workflow through the real SDK, one at a time and 50 at once, on the in-memory and the PostgreSQL store,
/// and prints workflows/s (run with <c>-showLiveOutput</c>). Results go to docs/local-dapr-workflow-bench.md.
/// </summary>
public sealed class WorkflowThroughputBenchmark(ITestOutputHelper output)
{
    private const int Sequential = 50;
    private const int Parallel = 50;
    private const int ParallelRounds = 4;

    private static CancellationToken Ct => WorkflowTestTimeout.Token;

    [Theory]
    [InlineData("in-memory")]
    [InlineData("postgresql")]
    public async Task Three_activity_workflow_throughput(string storeKind)
    {
        Assert.SkipUnless(Environment.GetEnvironmentVariable("LEDGERX_WORKFLOW_BENCH") == "1", "set LEDGERX_WORKFLOW_BENCH=1 to run the workflow benchmark");
        string? database = storeKind == "postgresql" ? await TestPostgres.CreateDatabaseAsync("wfbench", Ct) : null;
        try
        {
            IWorkflowStore store = database is null ? new InMemoryWorkflowStore() : await PostgresWorkflowStore.OpenAsync(database, "bench-app", Ct);
            await using var _ = store;
            await using var engine = await WorkflowEngineHost.StartAsync(store);
            await using var app = await WorkflowApp.StartAsync(engine.Endpoint, Register);
            var client = app.Client;

            await RunOneAsync(client, "warmup");
            var sequential = Stopwatch.StartNew();
            for (int i = 0; i < Sequential; i++)
            {
                await RunOneAsync(client, $"seq-{i}");
            }

            sequential.Stop();
            double best = 0;
            for (int round = 0; round < ParallelRounds; round++)
            {
                var parallel = Stopwatch.StartNew();
                await Task.WhenAll(Enumerable.Range(0, Parallel).Select(i => RunOneAsync(client, $"par-{round}-{i}")));
                parallel.Stop();
                best = Math.Max(best, Parallel / parallel.Elapsed.TotalSeconds);
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{storeKind}: {Parallel} in parallel, round {round}: {parallel.Elapsed.TotalMilliseconds:F0} ms = {Parallel / parallel.Elapsed.TotalSeconds:F1} workflows/s"));
            }

            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{storeKind}: sequential {Sequential}: {sequential.Elapsed.TotalMilliseconds:F0} ms = {Sequential / sequential.Elapsed.TotalSeconds:F1} workflows/s ({sequential.Elapsed.TotalMilliseconds / Sequential:F1} ms each)"));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{storeKind}: 50 in parallel, best of {ParallelRounds}: {best:F1} workflows/s"));
        }
        finally
        {
            if (database is not null)
            {
                await TestPostgres.DropDatabaseAsync(database, CancellationToken.None);
            }
        }
    }

    private static async Task RunOneAsync(DaprWorkflowClient client, string name)
    {
        string id = await client.ScheduleNewWorkflowAsync("Bench3", $"{name}-{Guid.NewGuid():N}", "x", (DateTimeOffset?)null, Ct);
        var state = await client.WaitForWorkflowCompletionAsync(id, cancellation: Ct);
        state.ReadOutputAs<string>().ShouldBe("xABC");
    }

    private static void Register(WorkflowRuntimeOptions o)
    {
        foreach (string step in new[] { "A", "B", "C" })
        {
            o.RegisterActivity<string, string>(step, (_, text) => Task.FromResult(text + step));
        }

        o.RegisterWorkflow<string, string>("Bench3", async (ctx, input) =>
        {
            string a = await ctx.CallActivityAsync<string>("A", input);
            string b = await ctx.CallActivityAsync<string>("B", a);
            return await ctx.CallActivityAsync<string>("C", b);
        });
    }
}
