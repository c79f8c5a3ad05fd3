using System.Text.RegularExpressions;
using Npgsql;
using NpgsqlTypes;

namespace LedgerX.LocalDapr.State;

/// <summary>
/// <c>state.postgresql</c> version v2 as components-contrib state/postgresql/v2 keeps it: table <c>{tablePrefix}state</c> with a bytea value, a uuid
/// etag and an <c>expires_at</c> column for TTL. Expired rows are invisible at once and deleted every
/// <c>cleanupInterval</c>.
/// </summary>
public sealed partial class PostgresStateStore : IStateStore
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly string _table;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _cleanup;

    private PostgresStateStore(NpgsqlDataSource dataSource, string table, TimeSpan cleanupInterval)
    {
        _dataSource = dataSource;
        _table = table;
        _cleanup = cleanupInterval > TimeSpan.Zero ? CleanupLoopAsync(cleanupInterval) : Task.CompletedTask;
    }

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]{0,40}$", RegexOptions.CultureInvariant)]
    private static partial Regex SafePrefix();

    public static async Task<PostgresStateStore> OpenAsync(string connectionString, string tablePrefix, TimeSpan timeout, TimeSpan cleanupInterval, CancellationToken cancellationToken)
    {
        if (tablePrefix.Length > 0 && !SafePrefix().IsMatch(tablePrefix))
        {
            throw new ArgumentException($"tablePrefix '{tablePrefix}' must be a plain SQL identifier", nameof(tablePrefix));
        }

        var builder = new NpgsqlConnectionStringBuilder(PostgresConnectionString.ToNpgsql(connectionString)) { CommandTimeout = Math.Max(1, (int)timeout.TotalSeconds) };
        var dataSource = NpgsqlDataSource.Create(builder.ConnectionString);
        string table = $"{tablePrefix}state";
        await using (var cmd = dataSource.CreateCommand($"""
            CREATE TABLE IF NOT EXISTS {table} (
              key text NOT NULL PRIMARY KEY,
              value bytea NOT NULL,
              etag uuid NOT NULL,
              created_at timestamptz NOT NULL DEFAULT now(),
              updated_at timestamptz,
              expires_at timestamptz);
            CREATE INDEX IF NOT EXISTS {table}_expires_at_idx ON {table} (expires_at) WHERE expires_at IS NOT NULL;
            """))
        {
            try
            {
                await cmd.ExecuteNonQueryAsync(cancellationToken);
            }
            catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.DuplicateObject)
            {
                // Two sidecars created the table at the same moment; the other one won, which is fine.
            }
        }

        return new PostgresStateStore(dataSource, table, cleanupInterval);
    }

    public async Task<StateEntry?> GetAsync(string key, CancellationToken cancellationToken)
    {
        await using var cmd = _dataSource.CreateCommand($"SELECT value, etag, expires_at FROM {_table} WHERE key = $1 AND (expires_at IS NULL OR expires_at > now())");
        cmd.Parameters.AddWithValue(key);
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        return new StateEntry(
            (byte[])reader[0],
            reader.GetGuid(1).ToString(),
            reader.IsDBNull(2) ? null : new DateTimeOffset(reader.GetDateTime(2), TimeSpan.Zero));
    }

    public async Task SetAsync(StateWrite write, CancellationToken cancellationToken)
    {
        await using var conn = await _dataSource.OpenConnectionAsync(cancellationToken);
        await UpsertAsync(conn, null, write, cancellationToken);
    }

    public async Task DeleteAsync(string key, string? etag, bool firstWrite, CancellationToken cancellationToken)
    {
        // components-contrib's PostgreSQL v2 Delete ignores the concurrency option.
        await using var conn = await _dataSource.OpenConnectionAsync(cancellationToken);
        await DeleteAsync(conn, null, key, etag, cancellationToken);
    }

    public async Task ExecuteAsync(IReadOnlyList<StateOperation> operations, CancellationToken cancellationToken)
    {
        await using var conn = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var tx = await conn.BeginTransactionAsync(cancellationToken);
        foreach (var op in operations)
        {
            if (op.IsDelete)
            {
                await DeleteAsync(conn, tx, op.Key, op.DeleteETag, cancellationToken);
            }
            else
            {
                await UpsertAsync(conn, tx, op.Write!, cancellationToken);
            }
        }

        await tx.CommitAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _cleanup;
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }

        _stop.Dispose();
        await _dataSource.DisposeAsync();
    }

    /// <summary>PostgreSQL v2 answers an etag that is not a uuid with ETagMismatch, not ETagInvalid.</summary>
    private static Guid ParseETag(string etag) =>
        Guid.TryParse(etag, out Guid value) ? value : throw new StateETagException($"invalid UUID format: {etag}");

    private async Task UpsertAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, StateWrite write, CancellationToken cancellationToken)
    {
        object expires = write.Ttl is { } ttl ? DateTime.UtcNow + ttl : DBNull.Value;
        if (string.IsNullOrEmpty(write.ETag))
        {
            // first-write without an etag may only replace a row that has expired (components-contrib's v2 Set);
            // a live row leaves the statement with no row affected, which v2 reports as a plain error, not an etag one.
            string onlyExpired = write.FirstWrite ? $" WHERE {_table}.expires_at IS NOT NULL AND {_table}.expires_at < now()" : "";
            await using var upsert = new NpgsqlCommand($"""
                INSERT INTO {_table} (key, value, etag, expires_at) VALUES ($1, $2, $3, $4)
                ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, etag = EXCLUDED.etag,
                  expires_at = EXCLUDED.expires_at, updated_at = now(){onlyExpired}
                """, conn, tx);
            upsert.Parameters.AddWithValue(write.Key);
            upsert.Parameters.AddWithValue(write.Value);
            upsert.Parameters.AddWithValue(Guid.NewGuid());
            upsert.Parameters.Add(new NpgsqlParameter { Value = expires, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            if (await upsert.ExecuteNonQueryAsync(cancellationToken) != 1)
            {
                throw new InvalidOperationException("no item was updated");
            }

            return;
        }

        Guid expected = ParseETag(write.ETag);
        await using var update = new NpgsqlCommand($"""
            UPDATE {_table} SET value = $2, etag = $3, expires_at = $4, updated_at = now()
            WHERE key = $1 AND etag = $5 AND (expires_at IS NULL OR expires_at > now())
            """, conn, tx);
        update.Parameters.AddWithValue(write.Key);
        update.Parameters.AddWithValue(write.Value);
        update.Parameters.AddWithValue(Guid.NewGuid());
        update.Parameters.Add(new NpgsqlParameter { Value = expires, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        update.Parameters.AddWithValue(expected);
        if (await update.ExecuteNonQueryAsync(cancellationToken) == 0)
        {
            throw new StateETagException("");
        }
    }

    private async Task DeleteAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, string key, string? etag, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(etag))
        {
            await using var delete = new NpgsqlCommand($"DELETE FROM {_table} WHERE key = $1", conn, tx);
            delete.Parameters.AddWithValue(key);
            await delete.ExecuteNonQueryAsync(cancellationToken);
            return;
        }

        Guid expected = ParseETag(etag);
        await using var conditional = new NpgsqlCommand($"DELETE FROM {_table} WHERE key = $1 AND etag = $2", conn, tx);
        conditional.Parameters.AddWithValue(key);
        conditional.Parameters.AddWithValue(expected);
        if (await conditional.ExecuteNonQueryAsync(cancellationToken) == 0)
        {
            throw new StateETagException("");
        }
    }

    private async Task CleanupLoopAsync(TimeSpan interval)
    {
        using var timer = new PeriodicTimer(interval);
        while (await timer.WaitForNextTickAsync(_stop.Token))
        {
            try
            {
                await using var cmd = _dataSource.CreateCommand($"DELETE FROM {_table} WHERE expires_at IS NOT NULL AND expires_at < now()");
                await cmd.ExecuteNonQueryAsync(_stop.Token);
            }
            catch (NpgsqlException)
            {
                // The next tick retries; expired rows are already invisible to reads.
            }
        }
    }
}
