using LedgerX.Analytics.Api.Persistence;
using LedgerX.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql;

namespace LedgerX.Analytics.IntegrationTests.ReadModels;

/// <summary>Migration SpendingPerEntry replaces the per-month spending totals with per-entry facts: the totals an
/// existing database holds are carried over (and back, on the way down), so upgrading loses no history.</summary>
public sealed class SpendingMigration : IAsyncLifetime
{
    private const string Before = "20261128194253_InitialReadModels";
    private static readonly Guid Account = Guid.Parse("0193a5c4-7f00-7000-8000-0000000000c1");
    private string _database = "";

    public async ValueTask InitializeAsync() => _database = await TestPostgres.CreateDatabaseAsync("analytics_migration");

    public async ValueTask DisposeAsync() => await TestPostgres.DropDatabaseAsync(_database);

    [Fact]
    public async Task MonthlyTotals_AreCarriedOverAsEntries_AndBackOnTheWayDown()
    {
        await MigrateToAsync(Before);
        await ExecuteAsync(
            $"""
            INSERT INTO monthly_spending (account_id, month, category, currency, amount_minor, entries) VALUES
                ('{Account}', '2026-10-01', 'rent', 'EUR', 120000, 1),
                ('{Account}', '2026-11-01', 'groceries', 'EUR', 8450, 7)
            """);

        await MigrateToAsync(null);

        (await RowsAsync("SELECT month::text, category, amount_minor, entries FROM spending_entries ORDER BY month"))
            .ShouldBe(["2026-10-01 rent 120000 1", "2026-11-01 groceries 8450 7"]);

        await MigrateToAsync(Before);

        (await RowsAsync("SELECT month::text, category, amount_minor, entries FROM monthly_spending ORDER BY month"))
            .ShouldBe(["2026-10-01 rent 120000 1", "2026-11-01 groceries 8450 7"]);
    }

    /// <summary>Null: every migration.</summary>
    private async Task MigrateToAsync(string? target)
    {
        var options = new DbContextOptionsBuilder<AnalyticsDbContext>().UseNpgsql(_database).UseSnakeCaseNamingConvention().Options;
        await using var db = new AnalyticsDbContext(options);
        await db.GetService<IMigrator>().MigrateAsync(target, TestContext.Current.CancellationToken);
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(_database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private async Task<List<string>> RowsAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(_database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
        {
            rows.Add(string.Join(' ', Enumerable.Range(0, reader.FieldCount).Select(i => Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture))));
        }
        return rows;
    }
}
