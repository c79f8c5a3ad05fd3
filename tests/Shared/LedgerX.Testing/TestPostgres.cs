using System.Globalization;
using System.Text;
using Npgsql;
using Testcontainers.PostgreSql;

namespace LedgerX.Testing;

/// <summary>
/// Where integration tests get PostgreSQL from. In order:
/// 1. <c>LEDGERX_TEST_POSTGRES</c>, a server connection string (what <c>./ledgerx test</c> and CI set);
/// 2. a Testcontainers <c>postgres:15</c> container, started once per test process, when a Docker engine answers;
/// 3. otherwise a <see cref="TestEnvironmentUnavailableException"/> saying how to start one.
/// Each test class should work in its own database (<see cref="CreateDatabaseAsync"/>) so tests never share state.
/// </summary>
public static class TestPostgres
{
    /// <summary>Environment variable holding the server connection string.</summary>
    public const string EnvironmentVariable = "LEDGERX_TEST_POSTGRES";

    // PostgreSQL truncates identifiers at 63 bytes (NAMEDATALEN - 1); a longer name would silently collide.
    private const int MaxDatabaseNameLength = 63;
    private const int UniqueSuffixLength = 16;
    private const string ContainerImage = "postgres:15";

    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static string? _serverConnectionString;
    private static PostgreSqlContainer? _container;

    /// <summary>
    /// The connection string of the server (maintenance database <c>postgres</c>). Resolved once per process.
    /// </summary>
    public static async Task<string> GetServerConnectionStringAsync(CancellationToken cancellationToken = default)
    {
        if (_serverConnectionString is { } cached)
        {
            return cached;
        }

        await Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            _serverConnectionString ??= await ResolveServerAsync(cancellationToken).ConfigureAwait(false);
            return _serverConnectionString;
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>
    /// Creates a new, empty database named <c>{prefix}_{random}</c> (lowercase, at most 63 characters) and returns
    /// its connection string. Drop it with <see cref="DropDatabaseAsync"/> when the test no longer needs it;
    /// a database left behind is harmless because the test server is thrown away after the run.
    /// </summary>
    public static Task<string> CreateDatabaseAsync(string prefix, CancellationToken cancellationToken = default) =>
        CreateDatabaseAsync(prefix, template: null, cancellationToken);

    /// <summary>
    /// As <see cref="CreateDatabaseAsync(string, CancellationToken)"/>, but a copy of the database
    /// <paramref name="template"/> (<c>CREATE DATABASE … TEMPLATE</c>): a schema migrated once and copied per test costs
    /// a file copy instead of a migration run. Nothing may be connected to the template while it is copied (PostgreSQL
    /// waits up to 5 s for such sessions, then refuses).
    /// </summary>
    public static async Task<string> CreateDatabaseAsync(string prefix, string? template, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        var server = await GetServerConnectionStringAsync(cancellationToken).ConfigureAwait(false);
        var name = UniqueDatabaseName(prefix);

        await using (var connection = new NpgsqlConnection(server))
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            // The name is built from [a-z0-9_] only, so quoting it is enough; CREATE DATABASE takes no parameters.
            var sql = template is null ? $"CREATE DATABASE \"{name}\"" : $"CREATE DATABASE \"{name}\" TEMPLATE {Quote(template)}";
            await using var command = new NpgsqlCommand(sql, connection);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        return new NpgsqlConnectionStringBuilder(server) { Database = name }.ConnectionString;
    }

    /// <summary>
    /// Drops the database a connection string points at, closing any connections still open to it
    /// (pooled ones of this process and those of other processes). Does nothing if it no longer exists.
    /// </summary>
    public static async Task DropDatabaseAsync(string connectionString, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connectionString);
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database;
        if (string.IsNullOrEmpty(name) || name == "postgres")
        {
            throw new ArgumentException("Refusing to drop the maintenance database.", nameof(connectionString));
        }

        // Idle pooled connections would otherwise hold the database open.
        using (var pooled = new NpgsqlConnection(connectionString))
        {
            NpgsqlConnection.ClearPool(pooled);
        }

        var server = await GetServerConnectionStringAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = new NpgsqlConnection(server);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        var quoted = "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    /// <summary><c>{prefix}_{16 hex}</c>, lowercase, only <c>[a-z0-9_]</c>, starting with a letter, at most 63 chars.</summary>
    public static string UniqueDatabaseName(string prefix)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        var cleaned = new StringBuilder(prefix.Length);
        foreach (var c in prefix.ToLowerInvariant())
        {
            cleaned.Append(c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_' ? c : '_');
        }

        if (cleaned.Length == 0 || cleaned[0] is not (>= 'a' and <= 'z'))
        {
            cleaned.Insert(0, "t_");
        }

        var maxPrefix = MaxDatabaseNameLength - 1 - UniqueSuffixLength;
        var head = cleaned.Length > maxPrefix ? cleaned.ToString(0, maxPrefix) : cleaned.ToString();
        var suffix = Guid.NewGuid().ToString("N", CultureInfo.InvariantCulture)[..UniqueSuffixLength];
        return head + "_" + suffix;
    }

    private static async Task<string> ResolveServerAsync(CancellationToken cancellationToken)
    {
        var fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return fromEnvironment;
        }

        if (!await DockerEngine.AnswersAsync(cancellationToken).ConfigureAwait(false))
        {
            throw new TestEnvironmentUnavailableException(
                $"No PostgreSQL for tests: {EnvironmentVariable} is not set and no Docker engine answers " +
                "(checked DOCKER_HOST or /var/run/docker.sock).");
        }

        // Ryuk (Testcontainers' reaper) removes the container when this process exits, so it is never disposed here.
        _container = new PostgreSqlBuilder(ContainerImage)
            .WithCommand("-c", "max_connections=300")
            .Build();
        await _container.StartAsync(cancellationToken).ConfigureAwait(false);
        return _container.GetConnectionString();
    }
}
