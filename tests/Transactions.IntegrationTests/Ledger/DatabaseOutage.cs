using System.Net;
using System.Net.Http.Json;
using LedgerX.Testing;
using LedgerX.Transactions.IntegrationTests.Infrastructure;
using Npgsql;

namespace LedgerX.Transactions.IntegrationTests.Ledger;

/// <summary>When the database goes away, writes answer 503 (not 500, never a false 201) and nothing is half-applied.</summary>
public sealed class DatabaseOutage : IAsyncLifetime
{
    private readonly LedgerApi _api = new();

    public ValueTask InitializeAsync() => _api.InitializeAsync();

    public ValueTask DisposeAsync() => _api.DisposeAsync();

    [Fact]
    public async Task WritesAnswer503_AndTheLedgerIsIntactWhenTheDatabaseReturns()
    {
        var account = await _api.OpenAccountAsync("outage");
        await _api.DepositAsync(account.Id, 100);
        var database = new NpgsqlConnectionStringBuilder(_api.ConnectionString).Database!;

        await OnServerAsync($"ALTER DATABASE \"{database}\" ALLOW_CONNECTIONS false; " +
                            $"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{database}' AND pid <> pg_backend_pid()");
        NpgsqlConnection.ClearAllPools();
        HttpResponseMessage during;
        try
        {
            during = await _api.Client.PostAsJsonAsync("/api/v1/deposits", new { accountId = account.Id, amount = 50, currency = "EUR" });
        }
        finally
        {
            await OnServerAsync($"ALTER DATABASE \"{database}\" ALLOW_CONNECTIONS true");
        }

        during.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        (await during.Content.ReadAsStringAsync()).ShouldContain("ledger_unavailable");
        (await _api.GetAccountAsync(account.Id)).Balance.ShouldBe(100);
        (await _api.Client.PostAsJsonAsync("/api/v1/deposits", new { accountId = account.Id, amount = 50, currency = "EUR" })).StatusCode
            .ShouldBe(HttpStatusCode.Created);
        (await _api.VerifyAsync()).Ok.ShouldBeTrue();
    }

    private static async Task OnServerAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(await TestPostgres.GetServerConnectionStringAsync());
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
