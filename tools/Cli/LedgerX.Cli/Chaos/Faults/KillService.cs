namespace LedgerX.Cli.Chaos.Faults;

/// <summary>SIGKILL to one service's process (no graceful shutdown, in-flight requests lost); the launcher's supervisor
/// (restart policy Always) starts it again, as Kubernetes restarts a crashed container.</summary>
internal sealed class KillService(string appId) : ChaosFault
{
    public override string Name => "kill-" + appId;

    public override string Description => $"SIGKILL {appId}; the supervisor restarts it";

    public override IReadOnlyList<string> Down => [appId];

    public override Task InjectAsync(ChaosSystem system, CancellationToken ct)
    {
        system.Control.KillApp(appId);
        return Task.CompletedTask;
    }
}
