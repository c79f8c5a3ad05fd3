using LedgerX.Cli.Chaos.Faults;

namespace LedgerX.Cli.Chaos;

/// <summary>Every scenario of <c>./ledgerx chaos</c>, in the order a full run takes them (docs/chaos.md).</summary>
internal static class Scenarios
{
    /// <summary>How long a sidecar stays away in kill-sidecar-*.</summary>
    public static readonly TimeSpan SidecarDown = TimeSpan.FromSeconds(5);

    /// <summary>The issue's stall: PostgreSQL frozen for 10 s.</summary>
    public static readonly TimeSpan PostgresStallDefault = TimeSpan.FromSeconds(10);

    /// <summary>How long latency, loss or a partition stays on the proxied database link.</summary>
    public static readonly TimeSpan DatabaseLinkFault = TimeSpan.FromSeconds(15);

    /// <summary>The services killed in turn. The gateway is the one front door: with it down nothing is reachable, which
    /// no route can survive, so it is not among them (docs/chaos.md).</summary>
    public static readonly IReadOnlyList<string> KilledServices =
    [
        ChaosSystem.FraudAppId, ChaosSystem.NotificationsAppId, ChaosSystem.AnalyticsAppId, ChaosSystem.NlpAppId,
        ChaosSystem.AuthAppId, ChaosSystem.LedgerAppId,
    ];

    public static IReadOnlyList<ChaosFault> All(TimeProvider clock) =>
    [
        .. KilledServices.Select(app => new KillService(app)),
        new KillSidecar(ChaosSystem.LedgerAppId, SidecarDown, clock),
        new WorkflowClockSkew(clock),
        new PoisonMessage(),
        new PostgresStall(PostgresStallDefault, clock),
        new PostgresRestart(),
        new RedisRestart(),
        new DatabaseLink(ChaosSystem.ProxiedAppId, LinkCondition.Slow, DatabaseLinkFault, clock),
        new DatabaseLink(ChaosSystem.ProxiedAppId, LinkCondition.Lossy, DatabaseLinkFault, clock),
        new DatabaseLink(ChaosSystem.ProxiedAppId, LinkCondition.Partitioned, DatabaseLinkFault, clock),
    ];

    /// <summary>The scenarios named, in the order given; an unknown name is an error naming the known ones.</summary>
    public static IReadOnlyList<ChaosFault> Select(IReadOnlyCollection<string> names, TimeProvider clock)
    {
        var all = All(clock);
        if (names.Count == 0)
        {
            return all;
        }

        return [.. names.Select(n => all.FirstOrDefault(f => f.Name == n)
            ?? throw new ArgumentException($"unknown scenario '{n}'; known: {string.Join(", ", all.Select(f => f.Name))}"))];
    }
}
