using Dapr.DurableTask.Protobuf;
using Google.Protobuf;
using Npgsql;
using NpgsqlTypes;

namespace LedgerX.LocalDapr.Workflow;

/// <summary>
/// Workflow state in PostgreSQL, in its own table <c>workflow_instances</c> of the actor state store's database,
/// scoped by app id (as daprd prefixes actor state keys with it): every sidecar sharing the database runs an
/// engine, and each must resume only its own app's workflows, since only that app registered them.
/// Why not through <see cref="State.IStateStore"/> like daprd's actor state: that contract is key/value only,
/// with no way to enumerate keys, and the engine must list instances (ListInstanceIDs, purge by filter) and
/// find the unfinished ones on start to resume them. One row per instance holds the status columns the engine
/// queries plus the history and inbox as protobuf blobs; a turn is one conditional UPDATE on
/// <c>revision</c>, so it commits atomically and a writer that lost a race fails instead of overwriting.
/// </summary>
public sealed class PostgresWorkflowStore : IWorkflowStore
{
    private const string Table = "workflow_instances";
    private readonly NpgsqlDataSource _dataSource;
    private readonly string _appId;

    private PostgresWorkflowStore(NpgsqlDataSource dataSource, string appId)
    {
        _dataSource = dataSource;
        _appId = appId;
    }

    /// <summary>
    /// Opens the store for <paramref name="appId"/> and creates the table when missing. The connection string may
    /// be in daprd's pgx form (as in the component YAML) or Npgsql's. Its pool is bounded as daprd's pgx pool is
    /// (<paramref name="maxConns"/>, the component's metadata; see <see cref="State.PostgresConnectionString.ToNpgsqlPool"/>):
    /// a burst of saves waits for one of a few connections instead of opening one each.
    /// </summary>
    public static async Task<PostgresWorkflowStore> OpenAsync(string connectionString, string appId, CancellationToken cancellationToken, string? maxConns = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(appId);
        var dataSource = NpgsqlDataSource.Create(State.PostgresConnectionString.ToNpgsqlPool(connectionString, maxConns));
        var store = new PostgresWorkflowStore(dataSource, appId);
        try
        {
            await store.CreateSchemaAsync(cancellationToken);
        }
        catch
        {
            await dataSource.DisposeAsync();
            throw;
        }

        return store;
    }

    private async Task CreateSchemaAsync(CancellationToken cancellationToken)
    {
        await using var cmd = _dataSource.CreateCommand($"""
            CREATE TABLE IF NOT EXISTS {Table} (
              app_id text NOT NULL,
              instance_id text NOT NULL,
              status int NOT NULL,
              created_at timestamptz NOT NULL,
              updated_at timestamptz NOT NULL DEFAULT now(),
              revision bigint NOT NULL,
              state bytea NOT NULL,
              history bytea NOT NULL,
              inbox bytea NOT NULL,
              PRIMARY KEY (app_id, instance_id));
            CREATE INDEX IF NOT EXISTS {Table}_active_idx ON {Table} (app_id) WHERE status NOT IN (1, 3, 4, 5);
            """);
        try
        {
            await cmd.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.DuplicateObject)
        {
            // Two sidecars created the table at the same moment; the other one won, which is fine.
        }
    }

    public async Task<WorkflowRecord?> LoadAsync(string instanceId, CancellationToken cancellationToken)
    {
        await using var cmd = _dataSource.CreateCommand($"SELECT instance_id, revision, state, history, inbox FROM {Table} WHERE app_id = $1 AND instance_id = $2");
        cmd.Parameters.AddWithValue(_appId);
        cmd.Parameters.AddWithValue(instanceId);
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    public async Task SaveAsync(WorkflowRecord record, CancellationToken cancellationToken)
    {
        var state = record.State.ToByteArray();
        var history = Pack(record.History);
        var inbox = Pack(record.Inbox);
        NpgsqlCommand cmd;
        if (record.Revision == 0)
        {
            cmd = _dataSource.CreateCommand($"""
                INSERT INTO {Table} (app_id, instance_id, status, created_at, revision, state, history, inbox)
                VALUES ($7, $1, $2, $3, 1, $4, $5, $6) ON CONFLICT (app_id, instance_id) DO NOTHING
                """);
            cmd.Parameters.AddWithValue(record.InstanceId);
            cmd.Parameters.AddWithValue((int)record.State.WorkflowStatus);
            cmd.Parameters.AddWithValue(NpgsqlDbType.TimestampTz, record.State.CreatedTimestamp.ToDateTime());
        }
        else
        {
            cmd = _dataSource.CreateCommand($"""
                UPDATE {Table} SET status = $2, revision = revision + 1, updated_at = now(), state = $4, history = $5, inbox = $6, created_at = $8
                WHERE instance_id = $1 AND revision = $3 AND app_id = $7
                """);
            cmd.Parameters.AddWithValue(record.InstanceId);
            cmd.Parameters.AddWithValue((int)record.State.WorkflowStatus);
            cmd.Parameters.AddWithValue(record.Revision);
        }

        await using (cmd)
        {
            cmd.Parameters.AddWithValue(state);
            cmd.Parameters.AddWithValue(history);
            cmd.Parameters.AddWithValue(inbox);
            cmd.Parameters.AddWithValue(_appId);
            if (record.Revision != 0)
            {
                // A finished instance's id reused by a new run: the row is the new run's, creation time included.
                cmd.Parameters.AddWithValue(NpgsqlDbType.TimestampTz, record.State.CreatedTimestamp.ToDateTime());
            }

            if (await cmd.ExecuteNonQueryAsync(cancellationToken) != 1)
            {
                throw new WorkflowConcurrencyException($"instance {record.InstanceId} changed since revision {record.Revision}");
            }
        }

        record.Revision++;
    }

    public async Task<bool> DeleteAsync(string instanceId, CancellationToken cancellationToken)
    {
        await using var cmd = _dataSource.CreateCommand($"DELETE FROM {Table} WHERE app_id = $1 AND instance_id = $2");
        cmd.Parameters.AddWithValue(_appId);
        cmd.Parameters.AddWithValue(instanceId);
        return await cmd.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    public async Task<IReadOnlyList<string>> ListIdsAsync(string? after, int pageSize, CancellationToken cancellationToken)
    {
        await using var cmd = _dataSource.CreateCommand($"SELECT instance_id FROM {Table} WHERE app_id = $3 AND instance_id COLLATE \"C\" > $1 ORDER BY instance_id COLLATE \"C\" LIMIT $2");
        cmd.Parameters.AddWithValue(after ?? "");
        cmd.Parameters.AddWithValue(pageSize);
        cmd.Parameters.AddWithValue(_appId);
        var ids = new List<string>();
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }

    public async Task<IReadOnlyList<WorkflowRecord>> LoadActiveAsync(CancellationToken cancellationToken)
    {
        await using var cmd = _dataSource.CreateCommand($"SELECT instance_id, revision, state, history, inbox FROM {Table} WHERE app_id = $1 AND status NOT IN (1, 3, 4, 5)");
        cmd.Parameters.AddWithValue(_appId);
        var records = new List<WorkflowRecord>();
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            records.Add(Read(reader));
        }

        return records;
    }

    public async Task<IReadOnlyList<string>> FindAsync(DateTimeOffset? createdFrom, DateTimeOffset? createdTo, IReadOnlyCollection<OrchestrationStatus> statuses, CancellationToken cancellationToken)
    {
        await using var cmd = _dataSource.CreateCommand($"""
            SELECT instance_id FROM {Table}
            WHERE app_id = $4 AND ($1::timestamptz IS NULL OR created_at >= $1) AND ($2::timestamptz IS NULL OR created_at < $2)
              AND (cardinality($3::int[]) = 0 OR status = ANY($3))
            """);
        cmd.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.TimestampTz, Value = (object?)createdFrom?.UtcDateTime ?? DBNull.Value });
        cmd.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.TimestampTz, Value = (object?)createdTo?.UtcDateTime ?? DBNull.Value });
        cmd.Parameters.AddWithValue(statuses.Select(s => (int)s).ToArray());
        cmd.Parameters.AddWithValue(_appId);
        var ids = new List<string>();
        await using var reader = await cmd.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();

    private static WorkflowRecord Read(NpgsqlDataReader reader) => new()
    {
        InstanceId = reader.GetString(0),
        Revision = reader.GetInt64(1),
        State = WorkflowState.Parser.ParseFrom((byte[])reader[2]),
        History = Unpack((byte[])reader[3]),
        Inbox = Unpack((byte[])reader[4]),
    };

    // The repeated-field wrapper GetInstanceHistoryResponse is exactly "a list of HistoryEvent" on the wire.
    private static byte[] Pack(List<HistoryEvent> events)
    {
        var list = new GetInstanceHistoryResponse();
        list.Events.AddRange(events);
        return list.ToByteArray();
    }

    private static List<HistoryEvent> Unpack(byte[] bytes) => GetInstanceHistoryResponse.Parser.ParseFrom(bytes).Events.ToList();
}
