namespace LedgerX.Transactions.IntegrationTests.Infrastructure;

/// <summary>
/// Makes the COMMIT of any batch that posts an entry described <see cref="Description"/> take a while: a deferred
/// constraint trigger runs inside COMMIT, before the commit record, so for that long the transaction is "in progress"
/// and its rows invisible to other connections. That is the window in which a lost COMMIT answer is dangerous.
/// </summary>
public static class SlowCommit
{
    public const string Description = "slow-commit";

    public static Task InstallAsync(LedgerApi api, int milliseconds) => api.ExecuteAsync(
        $"""
        CREATE FUNCTION test_slow_commit() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN PERFORM pg_sleep({milliseconds} / 1000.0); RETURN NULL; END $$;
        CREATE CONSTRAINT TRIGGER test_slow_commit AFTER INSERT ON journal_entries DEFERRABLE INITIALLY DEFERRED
        FOR EACH ROW WHEN (NEW.description = '{Description}') EXECUTE FUNCTION test_slow_commit();
        """);

    /// <summary>Waits until a backend of this database is inside a slow COMMIT, or one held at a closed
    /// <see cref="CommitGate"/> (which sleeps too, between its looks at the gate); returns its client port (the proxy's side).</summary>
    public static async Task<int> CommittingBackendPortAsync(LedgerApi api)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var port = await api.ScalarAsync<int>(
                """
                SELECT coalesce(max(client_port), 0) FROM pg_stat_activity
                WHERE datname = current_database() AND query ILIKE 'COMMIT%' AND state = 'active' AND wait_event = 'PgSleep'
                """);
            if (port != 0)
            {
                return port;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("No batch reached its slow COMMIT within 20 s.");
            }
            await Task.Delay(20);
        }
    }
}
