namespace LedgerX.Cli.Chaos.Faults;

/// <summary>Redis (the local pub/sub and the live feed's broker) ends and starts again from its append-only file, as a
/// durable broker restarts: publishers and subscribers lose their connections and must reconnect, and what was
/// published but not yet delivered or acknowledged must still reach every consumer once (pending entries are claimed
/// again). A broker that loses acknowledged events is not a fault the ledger can survive by itself: its events would
/// have to be replayed (docs/chaos.md).</summary>
internal sealed class RedisRestart : ChaosFault
{
    public override string Name => "redis-restart";

    public override string Description => "Redis stopped (SIGTERM) and started again from its append-only file on the same port";

    public override Task InjectAsync(ChaosSystem system, CancellationToken ct) => system.Servers.RestartRedisAsync(ct);
}
