using LedgerX.Cli.Chaos;
using LedgerX.Cli.Chaos.Faults;
using LedgerX.Cli.Chaos.Invariants;
using Npgsql;
using Xunit;

namespace LedgerX.Chaos.Tests;

/// <summary>
/// The short chaos scenario of <c>./ledgerx test</c>: a service killed (SIGKILL, restarted by the launcher's supervisor),
/// and a 3 s PostgreSQL stall, each under load and each followed by the invariant check; then a discrepancy seeded
/// into the ledger's tables must be reported, so a check that always says "holds" cannot pass here.
/// </summary>
[Collection(OneSystemAtATime.Name)]
public sealed class ShortChaosUnderLoad(ChaosSystemUnderLoad fixture)
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
