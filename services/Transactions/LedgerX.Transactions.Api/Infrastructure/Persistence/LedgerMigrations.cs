using LedgerX.ServiceDefaults.Data;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace LedgerX.Transactions.Api.Infrastructure.Persistence;

/// <summary>What the service does about schema migrations at start (<c>Ledger:Migrations</c>).</summary>
public enum MigrationMode
{
    /// <summary>Apply pending migrations, then serve. The default: `./ledgerx up`, `dapr run -f .`, the tests.</summary>
    Apply,
    /// <summary>Apply pending migrations and exit: an init container or job that holds the owner's credentials.</summary>
    ApplyAndExit,
    /// <summary>Apply nothing; refuse to start if migrations are pending. For the app when something else migrates,
    /// since the app's own role then may not change the schema.</summary>
    Verify,
}

/// <summary>
/// Migrates the ledger's database, as its owner when one is configured. With <c>ConnectionStrings:LedgerMigrations</c>
/// (an owner role) next to <c>ConnectionStrings:Ledger</c> (the app's role), migrations run as the owner, and the
/// app's role gets only the data rights it needs (<see cref="GrantsSql"/>): no DDL, so it can neither disable nor drop
/// event_log's append-only triggers, and no UPDATE, DELETE or TRUNCATE on what is written once (the event log, the
/// journal). Without it, the app's role migrates and owns the tables (one role: simple, and what local runs use).
/// </summary>
public static class LedgerMigrations
{
    public const string ConnectionStringName = "LedgerMigrations";
    public const string ModeSetting = "Ledger:Migrations";

    /// <summary>Tables the app's role may read and append to, never change: the log and the journal are history.
    /// (<c>ledger_head</c> is updated in place, so it is not here.)</summary>
    public static readonly IReadOnlyList<string> AppendOnlyTables = ["event_log", "journal_entries", "postings"];

    /// <summary>Applies migrations as <paramref name="mode"/> says; returns whether the service should go on to serve.</summary>
    public static async Task<bool> RunAsync(IServiceProvider services, IConfiguration configuration, ILogger log, CancellationToken ct)
    {
        var mode = configuration.GetValue(ModeSetting, MigrationMode.Apply);
        var app = configuration.GetConnectionString(LedgerRegistration.ConnectionStringName)!;
        var owner = configuration.GetConnectionString(ConnectionStringName);
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LedgerDbContext>();
        if (mode == MigrationMode.Verify)
        {
            var pending = (await db.Database.GetPendingMigrationsAsync(ct)).ToList();
            if (pending.Count > 0)
            {
                throw new InvalidOperationException(
                    $"The ledger database lacks {pending.Count} migration(s) ({string.Join(", ", pending)}), and {ModeSetting} is Verify: " +
                    $"run the service once with {ModeSetting}=ApplyAndExit and ConnectionStrings__{ConnectionStringName} set to the owner role.");
            }
            return true;
        }
        // A first start's missing database is created quietly first; EF Core would log its absence as an error.
        await PostgresDatabase.CreateIfMissingAsync(string.IsNullOrWhiteSpace(owner) ? app : owner, log, ct);
        if (string.IsNullOrWhiteSpace(owner))
        {
            await db.Database.MigrateAsync(ct);
        }
        else
        {
            await MigrateAsOwnerAsync(owner, app, log, ct);
        }
        return mode == MigrationMode.Apply;
    }

    private static async Task MigrateAsOwnerAsync(string ownerConnectionString, string appConnectionString, ILogger log, CancellationToken ct)
    {
        var appRole = new NpgsqlConnectionStringBuilder(appConnectionString).Username;
        var ownerRole = new NpgsqlConnectionStringBuilder(ownerConnectionString).Username;
        var separate = !string.IsNullOrEmpty(appRole) && appRole != ownerRole;
        if (separate)
        {
            // Before migrating: the owner could not even lock the migrations history of a database the app's role owns.
            await using var check = new NpgsqlConnection(ownerConnectionString);
            if (await DatabaseExistsAsync(ownerConnectionString, ct))
            {
                await check.OpenAsync(ct);
                await RefuseTablesOwnedByAsync(check, appRole!, ct);
            }
        }
        var options = new DbContextOptionsBuilder<LedgerDbContext>().UseNpgsql(ownerConnectionString).UseSnakeCaseNamingConvention().Options;
        await using (var ownerDb = new LedgerDbContext(options))
        {
            await ownerDb.Database.MigrateAsync(ct);
        }
        if (!separate)
        {
            log.LogWarning("ConnectionStrings:{Migrations} names the same role as ConnectionStrings:{Ledger}; the app keeps the owner's rights",
                ConnectionStringName, LedgerRegistration.ConnectionStringName);
            return;
        }
        await using var connection = new NpgsqlConnection(ownerConnectionString);
        await connection.OpenAsync(ct);
        await using var grant = new NpgsqlCommand(GrantsSql(appRole!), connection);
        await grant.ExecuteNonQueryAsync(ct);
        log.LogInformation("Migrated the ledger database as {Owner}; {App} has data rights only", ownerRole, appRole);
    }

    /// <summary>EF Core creates a missing database when it migrates; before that there is nothing to check.</summary>
    private static async Task<bool> DatabaseExistsAsync(string connectionString, CancellationToken ct)
    {
        var target = new NpgsqlConnectionStringBuilder(connectionString);
        var maintenance = new NpgsqlConnectionStringBuilder(connectionString) { Database = "postgres", Pooling = false };
        await using var connection = new NpgsqlConnection(maintenance.ConnectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = target.Database ?? "" });
        return await command.ExecuteScalarAsync(ct) is not null;
    }

    /// <summary>A database first migrated in one-role mode belongs to the app's role, which could then still drop the
    /// triggers: granting would look like protection and be none. Say so instead, with the fix.</summary>
    private static async Task RefuseTablesOwnedByAsync(NpgsqlConnection connection, string appRole, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            "SELECT string_agg(tablename, ', ' ORDER BY tablename) FROM pg_tables WHERE schemaname = 'public' AND tableowner = $1", connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = appRole });
        if (await command.ExecuteScalarAsync(ct) is string owned)
        {
            throw new InvalidOperationException(
                $"The app's role {appRole} owns tables ({owned}), so it could still change the schema and event_log's triggers. " +
                $"As a superuser, run REASSIGN OWNED BY {Quote(appRole)} TO <owner role> in the ledger database once, then start again " +
                "(docs/runbooks/transaction-service.md, Database roles).");
        }
    }

    /// <summary>The app's rights, granted by the owner after every migration (so new tables are covered): data rights on
    /// every table, minus changes to the append-only ones and to the migrations history; never TRUNCATE, never DDL.</summary>
    public static string GrantsSql(string appRole)
    {
        var role = Quote(appRole);
        var appendOnly = string.Join(", ", AppendOnlyTables);
        return $"""
            GRANT USAGE ON SCHEMA public TO {role};
            GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role};
            REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA public FROM {role};
            REVOKE UPDATE, DELETE ON {appendOnly} FROM {role};
            REVOKE INSERT, UPDATE, DELETE ON "__EFMigrationsHistory" FROM {role};
            GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role};
            """;
    }

    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
