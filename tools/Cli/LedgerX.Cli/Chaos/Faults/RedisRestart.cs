namespace LedgerX.Cli.Chaos.Faults;

/// <summary>Redis (the local pub/sub and the live feed's broker) ends and starts again empty (it runs without
/// persistence): streams, consumer groups and pending entries are gone, so publishers and subscribers must reconnect and
/// recreate their groups, and events in flight must be recovered from the outboxes.</summary>
internal sealed class RedisRestart : ChaosFault
{
    public override string Name => "redis-restart";

    public override string Description => "Redis stopped (SIGTERM, no persistence) and started empty on the same port";

    public override Task InjectAsync(ChaosSystem system, CancellationToken ct) => system.Servers.RestartRedisAsync(ct);
}
