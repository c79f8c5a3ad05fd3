namespace LedgerX.Cli.Chaos.Faults;

/// <summary>Every PostgreSQL process SIGSTOPped for <paramref name="stallFor"/>, then SIGCONT: connections stay open and
/// nothing answers (a frozen VM, a storage hiccup), so only timeouts tell a client something is wrong.</summary>
internal sealed class PostgresStall(TimeSpan stallFor, TimeProvider clock) : ChaosFault
{
    public override string Name => "postgres-stall";

    public override string Description => $"every PostgreSQL process SIGSTOPped for {stallFor.TotalSeconds:F0}s, then SIGCONT";

    public override async Task InjectAsync(ChaosSystem system, CancellationToken ct)
    {
        var processes = system.Servers.PostgresProcesses();
        await PrivateServers.SignalAsync(processes, "STOP", ct);
        try
        {
            await Task.Delay(stallFor, clock, ct);
        }
        finally
        {
            // Never leave the server stopped, not even when the run is cancelled.
            await PrivateServers.SignalAsync(processes, "CONT", CancellationToken.None);
        }
    }
}
