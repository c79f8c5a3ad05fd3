namespace LedgerX.Cli.Chaos.Faults;

/// <summary>One app's sidecar goes away for <paramref name="downFor"/> and comes back on the same ports (daprd's container
/// restarting beside a running app): the app's publishes, state and invocations fail meanwhile, and nobody reaches it.</summary>
internal sealed class KillSidecar(string appId, TimeSpan downFor, TimeProvider clock) : ChaosFault
{
    public override string Name => "kill-sidecar-" + appId;

    public override string Description => $"{appId}'s sidecar stopped for {downFor.TotalSeconds:F0}s, then started on the same ports";

    public override IReadOnlyList<string> Down => [appId];

    public override async Task InjectAsync(ChaosSystem system, CancellationToken ct)
    {
        await system.Control.StopSidecarAsync(appId);
        try
        {
            await Task.Delay(downFor, clock, ct);
        }
        finally
        {
            await system.Control.StartSidecarAsync(appId, CancellationToken.None);
        }
    }
}
