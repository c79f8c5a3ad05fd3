using Microsoft.Extensions.Logging;
using Npgsql;

namespace LedgerX.ServiceDefaults.Data;

/// <summary>
/// Creates a service's own database on its first start, before its migrations run. EF Core can create it too, but only
/// after its first connection fails, and it logs that failure at Error level ("An error occurred using the connection to
/// database ..."): every first start of every service then looked broken although nothing was wrong. Here the missing
/// database is the expected case and is created quietly, with one Information line.
/// </summary>
public static partial class PostgresDatabase
{
    /// <summary>The maintenance database every PostgreSQL server has, connected to when the service's own is missing.</summary>
    private const string MaintenanceDatabase = "postgres";

    /// <summary>Per statement while migrating: start-up may rewrite a large table, which the serving bound
    /// (<see cref="DatabaseOptions.CommandTimeoutSeconds"/>) would cut short. Set with <c>Database.SetCommandTimeout</c>
    /// before <c>MigrateAsync</c>.</summary>
    public static readonly TimeSpan MigrationCommandTimeout = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Creates the database <paramref name="connectionString"/> names if the server says it does not exist (SQLSTATE
    /// 3D000). Any other failure (server down, wrong password, no right to create databases) is left for the migration
    /// that follows to report with its own, complete error.
    /// </summary>
    /// <returns>True if this call created the database.</returns>
    public static async Task<bool> CreateIfMissingAsync(string connectionString, ILogger logger, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        ArgumentNullException.ThrowIfNull(logger);

        var target = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false };
        var name = target.Database;
        if (string.IsNullOrEmpty(name) || name == MaintenanceDatabase)
        {
            return false;
        }

        try
        {
            await using var probe = new NpgsqlConnection(target.ConnectionString);
            await probe.OpenAsync(cancellationToken);
            return false;
        }
        catch (PostgresException missing) when (missing.SqlState == PostgresErrorCodes.InvalidCatalogName)
        {
            // Expected on a first start; created below.
        }
        catch (NpgsqlException)
        {
            return false;
        }

        var maintenance = new NpgsqlConnectionStringBuilder(target.ConnectionString) { Database = MaintenanceDatabase };
        try
        {
            await using var connection = new NpgsqlConnection(maintenance.ConnectionString);
            await connection.OpenAsync(cancellationToken);
            // CREATE DATABASE takes no parameters: the name is quoted as an identifier instead.
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name.Replace("\"", "\"\"", StringComparison.Ordinal)}\"", connection);
            await create.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (PostgresException raced) when (raced.SqlState == PostgresErrorCodes.DuplicateDatabase)
        {
            // Another replica created it a moment earlier: exactly what was wanted.
            return false;
        }
        catch (NpgsqlException)
        {
            // No right to create it, say; the migration's own error will tell.
            return false;
        }

        LogCreated(logger, name, target.Host, target.Port);
        return true;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Created database {Database} on {Host}:{Port} (first start)")]
    private static partial void LogCreated(ILogger logger, string database, string? host, int port);
}
