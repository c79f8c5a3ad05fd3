using System.Diagnostics;
using Dapr.Workflow;
using LedgerX.LocalDapr.Workflow;
using LedgerX.Testing;
using Npgsql;

namespace LedgerX.LocalDapr.Tests.Workflow;

/// <summary>
/// The database the workflows live in crashes and restarts under load (<c>pg_ctl restart -m immediate</c>, on a
/// private PostgreSQL started for this test so no other test loses its server): every workflow still finishes,
/// with no sidecar restart. Saves caught by the crash fail, some after committing; the engine must reload those
/// instances and re-arm their work instead of leaving them running forever.
/// </summary>
public sealed class WorkflowDatabaseRestartTests : IAsyncLifetime
{
    private const int Workflows = 60;

    private readonly string _serverDirectory = Directory.CreateTempSubdirectory("ledgerx-wf-restart-").FullName;
    private string _connectionString = "";

    /// <summary>Bounds the private server's start and stop (initdb is slow on a loaded machine).</summary>
    private static readonly TimeSpan ServerSetupLimit = TimeSpan.FromMinutes(3);

    private static CancellationToken Ct => WorkflowTestTimeout.Token;

    // Not WorkflowTestTimeout: its clock starts at first use and bounds the workflows, not the server's initdb.
    public async ValueTask InitializeAsync()
    {
        using var setup = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        setup.CancelAfter(ServerSetupLimit);
        try
        {
            await StartServerAsync(setup.Token);
        }
        catch
        {
            // xunit does not dispose a class whose initialization failed: stop what was started here.
            await DisposeAsync();
            throw;
        }
    }

    private async Task StartServerAsync(CancellationToken cancellationToken)
    {
        var env = await DevEnvAsync($"devenv_main start '{_serverDirectory}' --export", cancellationToken);
        string server = env.Split('\n').Select(l => l.Trim()).First(l => l.StartsWith("export LEDGERX_POSTGRES=", StringComparison.Ordinal))["export LEDGERX_POSTGRES=".Length..].Trim('\'');
        await using (var admin = new NpgsqlConnection(server))
        {
            await admin.OpenAsync(cancellationToken);
            await using var create = new NpgsqlCommand("CREATE DATABASE wf_restart", admin);
            await create.ExecuteNonQueryAsync(cancellationToken);
        }

        _connectionString = new NpgsqlConnectionStringBuilder(server) { Database = "wf_restart" }.ConnectionString;
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        using var teardown = new CancellationTokenSource(ServerSetupLimit);
        await DevEnvAsync($"stop_all '{_serverDirectory}'", teardown.Token);
    }

    [Fact]
    public async Task Workflows_caught_by_an_immediate_database_restart_all_finish_without_a_sidecar_restart()
    {
        var probe = new WorkflowProbe();
        await using var store = await PostgresWorkflowStore.OpenAsync(_connectionString, "restart-app", Ct);
        await using var engine = await WorkflowEngineHost.StartAsync(store);
        await using var app = await WorkflowApp.StartAsync(engine.Endpoint, o => TestWorkflows.Register(o, probe));
        var ids = new List<string>();
        var running = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        // The crash lands while workflows are being started and turns, activities and timers are being saved.
        var crash = Task.Run(async () =>
        {
            await running.Task;
            await DevEnvAsync($"as_pg_user \"$(pg_bindir)/pg_ctl\" restart -D '{_serverDirectory}/pgdata' -m immediate -w -t 60 -l '{_serverDirectory}/postgres.log' >/dev/null", Ct);
        }, Ct);
        for (int i = 0; i < Workflows; i++)
        {
            ids.Add(await ScheduleWhenUpAsync(app.Client, $"wf-{i}-{Guid.NewGuid():N}", $"{i}:"));
            if (i == Workflows / 4)
            {
                running.SetResult();
            }
        }

        await crash;
        var states = await Task.WhenAll(ids.Select(id => app.Client.WaitForWorkflowCompletionAsync(id, cancellation: Ct)));

        for (int i = 0; i < ids.Count; i++)
        {
            states[i].RuntimeStatus.ShouldBe(WorkflowRuntimeStatus.Completed, ids[i]);
            states[i].ReadOutputAs<string>().ShouldBe($"{i}:ABC");
        }
    }

    // The first calls after the restart may meet pooled connections the crash broke: the client retries, as an app would.
    private static async Task<string> ScheduleWhenUpAsync(DaprWorkflowClient client, string id, string input)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return await client.ScheduleNewWorkflowAsync("Sequential", id, input, null, Ct);
            }
            catch (Grpc.Core.RpcException) when (attempt < 50)
            {
                await Task.Delay(200, Ct);
            }
        }
    }

    /// <summary>Runs a function of tools/devenv/devenv.sh (sourced), the same script ./ledgerx uses to run servers.</summary>
    private static async Task<string> DevEnvAsync(string command, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add($"set -euo pipefail; source '{RepositoryRoot.PathOf("tools", "devenv", "devenv.sh")}'; {command}");
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"devenv '{command}' failed ({process.ExitCode}): {await stderr}");
        }

        return await stdout;
    }
}
