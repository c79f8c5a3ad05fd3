using Npgsql;

namespace LedgerX.Transactions.IntegrationTests.Infrastructure;

/// <summary>
/// Holds the COMMIT of every batch that posts an entry described <see cref="Description"/> until the test opens the gate:
/// a deferred constraint trigger runs inside COMMIT, before the commit record, and waits there until it can share an
/// advisory lock the closed gate holds. For that long the transaction is "in progress" and its rows invisible to other connections.
/// Unlike <see cref="SlowCommit"/>'s fixed sleep, the window lasts exactly until the test has done what it must do inside
/// it, however slow the machine, and not a moment longer.
/// </summary>
/// <remarks>The trigger polls for the lock (<c>pg_try_advisory_xact_lock_shared</c>, then a 5 ms sleep) rather than
/// waiting for it, because the writer's <c>lock_timeout</c> would end a lock wait after 5 s and the writer would retry
/// the batch; a COMMIT stays subject to the writer's <c>statement_timeout</c>, so a host whose gate may stay closed for
/// long is given <see cref="Settings"/>.</remarks>
public sealed class CommitGate : IAsyncDisposable
{
    /// <summary>The description of an entry whose batch's COMMIT waits at the gate (see <see cref="InstallAsync"/>).</summary>
    public const string Description = "gated-commit";

    /// <summary>Advisory locks belong to one database, so this key cannot meet another test's.</summary>
    private const long LockKey = 7_311_002;

    /// <summary>The writer's statement timeout (15 s by default) raised, so a COMMIT held at the gate on a slow machine
    /// is not ended by it.</summary>
    public static readonly IReadOnlyDictionary<string, string?> Settings = new Dictionary<string, string?>
    {
        ["Ledger:Database:StatementTimeoutMs"] = "120000",
    };

    private readonly NpgsqlConnection _holder;
    private bool _open;

    private CommitGate(NpgsqlConnection holder) => _holder = holder;

    /// <summary>Installs <c>test_commit_gate()</c>, which waits while the gate is closed (a test's own triggers may call
    /// it too), and a trigger calling it in the COMMIT of entries described <see cref="Description"/>.</summary>
    public static Task InstallAsync(LedgerApi api) => api.ExecuteAsync(
        $"""
        CREATE FUNCTION test_commit_gate() RETURNS void LANGUAGE plpgsql AS $$
        BEGIN
            WHILE NOT pg_try_advisory_xact_lock_shared({LockKey}) LOOP
                PERFORM pg_sleep(0.005);
            END LOOP;
        END $$;
        CREATE FUNCTION test_gated_commit() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN PERFORM test_commit_gate(); RETURN NULL; END $$;
        CREATE CONSTRAINT TRIGGER test_gated_commit AFTER INSERT ON journal_entries DEFERRABLE INITIALLY DEFERRED
        FOR EACH ROW WHEN (NEW.description = '{Description}') EXECUTE FUNCTION test_gated_commit();
        """);

    /// <summary>Closes the gate: from now on gated COMMITs wait until <see cref="OpenAsync"/> (or disposal).</summary>
    public static async Task<CommitGate> CloseAsync(LedgerApi api)
    {
        // Its own unpooled session: the lock is the session's, and it must end with the gate whatever happens.
        var holder = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(api.ConnectionString) { Pooling = false }.ConnectionString);
        try
        {
            await holder.OpenAsync();
            await using var command = new NpgsqlCommand($"SELECT pg_advisory_lock({LockKey})", holder);
            await command.ExecuteNonQueryAsync();
            return new CommitGate(holder);
        }
        catch
        {
            await holder.DisposeAsync();
            throw;
        }
    }

    /// <summary>Lets the held COMMITs (and every later one) through.</summary>
    public async Task OpenAsync()
    {
        if (_open)
        {
            return;
        }
        _open = true;
        await using (var command = new NpgsqlCommand($"SELECT pg_advisory_unlock({LockKey})", _holder))
        {
            await command.ExecuteNonQueryAsync();
        }
        await _holder.CloseAsync();
    }

    /// <summary>Opens the gate if the test has not (a failed test must not leave a writer stuck in its COMMIT).</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_open)
        {
            _open = true;
            // Closing the session releases its advisory locks.
            await _holder.CloseAsync();
        }
        await _holder.DisposeAsync();
    }
}
