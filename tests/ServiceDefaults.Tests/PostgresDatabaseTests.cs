using LedgerX.ServiceDefaults.Data;
using LedgerX.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace LedgerX.ServiceDefaults.Tests;

/// <summary>
/// A service's first start: its database does not exist yet. That is expected, so it is created with one Information
/// line, and the migration that follows finds it and logs no error (EF Core alone logs the missing database at Error).
/// </summary>
public sealed class PostgresDatabaseTests : IAsyncLifetime
{
    private readonly RecordingLoggerProvider _logs = new();
    private string _connectionString = null!;

    public async ValueTask InitializeAsync()
    {
        var server = await TestPostgres.GetServerConnectionStringAsync(TestContext.Current.CancellationToken);
        // A name no database has: the state of a first start.
        var name = $"firststart_{Guid.NewGuid():N}";
        _connectionString = new NpgsqlConnectionStringBuilder(server) { Database = name }.ConnectionString;
    }

    public async ValueTask DisposeAsync() => await TestPostgres.DropDatabaseAsync(_connectionString);

    [Fact]
    public async Task AMissingDatabase_IsCreated_WithOneInformationLine()
    {
        using var loggers = LoggerFactory.Create(b => b.AddProvider(_logs).SetMinimumLevel(LogLevel.Trace));

        var created = await PostgresDatabase.CreateIfMissingAsync(_connectionString, loggers.CreateLogger("startup"), TestContext.Current.CancellationToken);

        created.ShouldBeTrue();
        var name = new NpgsqlConnectionStringBuilder(_connectionString).Database;
        _logs.Entries.ShouldHaveSingleItem().ShouldSatisfyAllConditions(
            e => e.Level.ShouldBe(LogLevel.Information),
            e => e.Message.ShouldStartWith($"Created database {name} on "));
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task AnExistingDatabase_IsLeftAlone_Silently()
    {
        using var loggers = LoggerFactory.Create(b => b.AddProvider(_logs).SetMinimumLevel(LogLevel.Trace));
        await PostgresDatabase.CreateIfMissingAsync(_connectionString, loggers.CreateLogger("startup"), TestContext.Current.CancellationToken);
        _logs.Entries.Clear();

        var created = await PostgresDatabase.CreateIfMissingAsync(_connectionString, loggers.CreateLogger("startup"), TestContext.Current.CancellationToken);

        created.ShouldBeFalse();
        _logs.Entries.ShouldBeEmpty();
    }

    [Fact]
    public async Task AFirstStartsMigration_LogsNoError_WhenTheDatabaseIsCreatedFirst()
    {
        using var loggers = LoggerFactory.Create(b => b.AddProvider(_logs).SetMinimumLevel(LogLevel.Trace));
        await PostgresDatabase.CreateIfMissingAsync(_connectionString, loggers.CreateLogger("startup"), TestContext.Current.CancellationToken);

        await using (var context = new EmptyContext(_connectionString, loggers))
        {
            await context.Database.MigrateAsync(TestContext.Current.CancellationToken);
        }

        // EF Core's first query of its not yet created history table fails by design and is logged under
        // Database.Command, which every service's appsettings.json silences; nothing else may be an error.
        _logs.Entries.Where(e => e.Level >= LogLevel.Error && e.Category != "Microsoft.EntityFrameworkCore.Database.Command").ShouldBeEmpty();
    }

    [Fact]
    public async Task WithoutIt_EfCoreLogsTheMissingDatabaseAsAnError()
    {
        // Why the services create their databases first: this is what every first start printed before.
        using var loggers = LoggerFactory.Create(b => b.AddProvider(_logs).SetMinimumLevel(LogLevel.Trace));

        await using (var context = new EmptyContext(_connectionString, loggers))
        {
            await context.Database.MigrateAsync(TestContext.Current.CancellationToken);
        }

        _logs.Entries.ShouldContain(e => e.Level == LogLevel.Error && e.Category == "Microsoft.EntityFrameworkCore.Database.Connection");
    }

    /// <summary>A context with no tables: the migration still connects, creates its history table and so on.</summary>
    private sealed class EmptyContext(string connectionString, ILoggerFactory loggers) : DbContext
    {
        protected override void OnConfiguring(DbContextOptionsBuilder optionsBuilder) =>
            optionsBuilder.UseNpgsql(connectionString).UseLoggerFactory(loggers)
                // It has no migrations at all; only the connection and the history table matter here.
                .ConfigureWarnings(w => w.Ignore(RelationalEventId.PendingModelChangesWarning));
    }
}
