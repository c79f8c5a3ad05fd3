using Npgsql;

namespace LedgerX.Cli.Backup;

/// <summary>
/// After a point-in-time restore, marks the last minutes of every service's outbox unsent again, so their relays send
/// those events once more and consumers drop the copies they already applied (by event id). This is not optional.
/// A consumer that lagged behind its publisher applied some events after the recovery point, and the restore took
/// those applications back; but the publisher's outbox, restored to the same point, still says they were sent. Nothing
/// else would ever deliver them again (the restore test lost notification-service's last ten events this way).
/// Every service's outbox has <c>sent_at</c> and <c>next_attempt_at</c> (the ledger's, fraud-service's); any database of
/// the cluster with such a table is covered.
/// </summary>
internal static class OutboxResend
{
    /// <summary>Longer than any consumer lag the alerts let pass (consumer lag fires at minutes), short enough that the
    /// duplicates are cheap to drop.</summary>
    public static readonly TimeSpan DefaultWindow = TimeSpan.FromMinutes(10);

    public sealed record Resent(string Database, long Rows);

    public static async Task<IReadOnlyList<Resent>> MarkUnsentAsync(int port, TimeSpan window, CancellationToken ct)
    {
        var result = new List<Resent>();
        foreach (var database in await DatabasesAsync(port, ct))
        {
            await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(ServerDirectory.ConnectionString(port)) { Database = database }.ConnectionString);
            await connection.OpenAsync(ct);
            await using var has = new NpgsqlCommand(
                "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'public' AND table_name = 'outbox' AND column_name IN ('sent_at', 'next_attempt_at')",
                connection);
            if ((long)(await has.ExecuteScalarAsync(ct))! < 2)
            {
                continue;
            }

            // Measured from the newest send the restored database knows, not from now: that is the recovery point.
            await using var update = new NpgsqlCommand(
                "UPDATE outbox SET sent_at = NULL, next_attempt_at = now() WHERE sent_at > (SELECT max(sent_at) FROM outbox) - @window", connection);
            update.Parameters.AddWithValue("window", window);
            result.Add(new Resent(database, await update.ExecuteNonQueryAsync(ct)));
        }

        return result;
    }

    private static async Task<List<string>> DatabasesAsync(int port, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(ServerDirectory.ConnectionString(port));
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand("SELECT datname FROM pg_database WHERE datallowconn AND NOT datistemplate ORDER BY datname", connection);
        var names = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            names.Add(reader.GetString(0));
        }

        return names;
    }
}
