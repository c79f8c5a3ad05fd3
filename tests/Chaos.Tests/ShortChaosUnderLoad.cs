using LedgerX.Cli.Chaos;
using LedgerX.Cli.Chaos.Faults;
using LedgerX.Cli.Chaos.Invariants;
using LedgerX.Cli.Chaos.Load;
using LedgerX.Testing;
using Npgsql;
using Xunit;

namespace LedgerX.Chaos.Tests;

/// <summary>
/// The whole system of <c>./ledgerx chaos</c> (its own PostgreSQL and Redis, every app with its sidecar), started once,
/// under a small load through the gateway.
/// </summary>
public sealed class ChaosSystemUnderLoad : IAsyncLifetime
{
    /// <summary>Small: enough to keep every route busy on a loaded 2-core machine, not enough to measure anything.</summary>
    internal static readonly ChaosLoadSettings Load = new(Accounts: 4, TransferWorkers: 2, ReadsPerSecond: 10);

    /// <summary>Generous deadlines (never timings asserted): a loaded machine may take minutes to restart a service.</summary>
    internal static readonly ChaosTimings Timings = new(TimeSpan.FromSeconds(3), TimeSpan.FromMinutes(3), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(90));

    private readonly StringWriter _progress = new();
    private ChaosSystem? _system;
    private ChaosLoad? _load;

    internal ChaosSystem System => _system!;

    internal ChaosRunner Runner => new(_system!, _load!, Timings, TextWriter.Synchronized(_progress));

    internal ChaosLoad Traffic => _load!;

    public string Progress => _progress.ToString();

    public async ValueTask InitializeAsync()
    {
        _system = await ChaosSystem.StartAsync(RepositoryRoot.Directory.FullName, TextWriter.Synchronized(_progress), TestContext.Current.CancellationToken);
        _load = await ChaosLoad.PrepareAsync(await _system.MachineClientAsync(ChaosLoad.RequestTimeout, TestContext.Current.CancellationToken), Load, TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (_load is not null)
        {
            await _load.DisposeAsync();
        }

        if (_system is not null)
        {
            await _system.DisposeAsync();
        }
    }
}

/// <summary>
/// The short chaos scenario of <c>./ledgerx test</c>: a service killed (SIGKILL, restarted by the launcher's supervisor),
/// and a 3 s PostgreSQL stall, each under load and each followed by the invariant check; then a discrepancy seeded
/// into the ledger's tables must be reported, so a check that always says "holds" cannot pass here.
/// </summary>
[Collection(OneSystemAtATime.Name)]
public sealed class ShortChaosUnderLoad(ChaosSystemUnderLoad fixture) : IClassFixture<ChaosSystemUnderLoad>
{
    private static readonly TimeSpan ShortStall = TimeSpan.FromSeconds(3);

    [Fact]
    public async Task SurvivesAKilledServiceAndAPostgresStallWithEveryInvariantHolding()
    {
        var ct = TestContext.Current.CancellationToken;
        var faults = new ChaosFault[] { new KillService(ChaosSystem.NotificationsAppId), new PostgresStall(ShortStall, TimeProvider.System) };
        var results = new List<ScenarioResult>();
        foreach (var fault in faults)
        {
            results.Add(await fixture.Runner.RunAsync(fault, ct));
        }

        var report = new ChaosReport(DateTimeOffset.UtcNow, null, results);
        TestContext.Current.TestOutputHelper?.WriteLine(report.ToMarkdown());
        Assert.True(fixture.System.Control.Restarts(ChaosSystem.NotificationsAppId) >= 1, "the supervisor never restarted the killed notification-service");
        var killed = results[0];
        Assert.Contains(killed.Availability, r => r.NeedsDownService && r.Requests > 0);
        Assert.Contains(killed.Availability, r => !r.NeedsDownService && r.Requests > 0);
        Assert.True(report.Passed, report.ToMarkdown() + "\n--- progress ---\n" + fixture.Progress);
    }

    [Fact]
    public async Task ReportsMoneyThatAppearedOutOfNowhere()
    {
        var ct = TestContext.Current.CancellationToken;
        var sources = fixture.Runner.Sources();
        var account = fixture.Traffic.Accounts[0];
        var check = new InvariantCheck(sources, fixture.Traffic.Transfers, fixture.Traffic.Accounts, TimeSpan.FromSeconds(1));
        await SeedAsync(sources.Ledger, "UPDATE accounts SET balance = balance + 1 WHERE id = @id", account, ct);
        try
        {
            var verdict = await check.MoneyConservedAsync(ct);
            Assert.False(verdict.Holds, verdict.Found);
            Assert.Contains(account.ToString(), verdict.Found, StringComparison.Ordinal);
        }
        finally
        {
            await SeedAsync(sources.Ledger, "UPDATE accounts SET balance = balance - 1 WHERE id = @id", account, ct);
        }
    }

    private static async Task SeedAsync(string database, string sql, Guid account, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("id", account);
        Assert.Equal(1, await command.ExecuteNonQueryAsync(ct));
    }
}
