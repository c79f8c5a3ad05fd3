using LedgerX.Testing;
using LedgerX.Transactions.Api.Infrastructure.Persistence;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace LedgerX.Transactions.IntegrationTests.Infrastructure;

/// <summary>
/// Fresh ledger databases with the schema already in place: copies (<c>CREATE DATABASE … TEMPLATE</c>) of one database
/// this process migrates once. Most tests start a service on a database of their own, and running every migration for
/// each of them was a large share of the module's time; the service's own start then finds nothing pending. How the
/// service migrates a blank database is still tested where that is the point (<see cref="Ledger.MigrationOwnerRole"/>,
/// <see cref="Ledger.ScopedIdempotencyMigration"/>).
/// </summary>
public static class LedgerDatabases
{
    private static readonly Lazy<Task<string>> Template = new(CreateTemplateAsync);

    /// <summary>A new migrated ledger database named after <paramref name="prefix"/>; drop it with
    /// <see cref="TestPostgres.DropDatabaseAsync"/>.</summary>
    public static async Task<string> CreateAsync(string prefix) =>
        await TestPostgres.CreateDatabaseAsync(prefix, template: await Template.Value);

    private static async Task<string> CreateTemplateAsync()
    {
        var created = await TestPostgres.CreateDatabaseAsync("ledger_template");
        // Unpooled: PostgreSQL copies a database only while no session is connected to it, so none may stay open.
        var connection = new NpgsqlConnectionStringBuilder(created) { Pooling = false }.ConnectionString;
        var options = new DbContextOptionsBuilder<LedgerDbContext>().UseNpgsql(connection).UseSnakeCaseNamingConvention().Options;
        await using (var db = new LedgerDbContext(options))
        {
            await db.Database.MigrateAsync();
        }
        var name = new NpgsqlConnectionStringBuilder(created).Database!;
        // The template outlives every test of the process; a run's server is thrown away, a developer's is not.
        AppDomain.CurrentDomain.ProcessExit += (_, _) => DropQuietly(created);
        return name;
    }

    private static void DropQuietly(string connectionString)
    {
        try
        {
            TestPostgres.DropDatabaseAsync(connectionString).GetAwaiter().GetResult();
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or TimeoutException)
        {
            // Best effort at exit: a database left behind is harmless (TestPostgres.CreateDatabaseAsync).
        }
    }
}
