namespace LedgerX.Cli.Chaos.Faults;

/// <summary>
/// Latency, loss or a partition on the link between one service and its PostgreSQL, for <paramref name="lastsFor"/>,
/// through the <see cref="FaultyTcpProxy"/> the service's connection string names. Only a partition takes the service
/// down (its readiness probe checks the database); a slow or lossy link degrades it, reported without a verdict.
/// </summary>
internal sealed class DatabaseLink(string appId, LinkCondition condition, TimeSpan lastsFor, TimeProvider clock) : ChaosFault
{
    public override string Name => condition switch
    {
        LinkCondition.Slow => "db-latency-",
        LinkCondition.Lossy => "db-loss-",
        _ => "db-partition-",
    } + appId;

    public override string Description => condition switch
    {
        LinkCondition.Slow => $"+{FaultyTcpProxy.Latency.TotalMilliseconds:F0} ms on every chunk between {appId} and PostgreSQL",
        LinkCondition.Lossy => $"{FaultyTcpProxy.LossShare:P0} of the chunks between {appId} and PostgreSQL delayed by a {FaultyTcpProxy.RetransmissionTimeout.TotalMilliseconds:F0} ms retransmission",
        _ => $"{appId} partitioned from PostgreSQL (connections hang)",
    } + $" for {lastsFor.TotalSeconds:F0}s";

    public override IReadOnlyList<string> Down => condition == LinkCondition.Partitioned ? [appId] : [];

    public override async Task InjectAsync(ChaosSystem system, CancellationToken ct)
    {
        var proxy = system.DatabaseProxy(appId);
        proxy.Condition = condition;
        try
        {
            await Task.Delay(lastsFor, clock, ct);
        }
        finally
        {
            proxy.Condition = LinkCondition.Healthy;
        }
    }
}
