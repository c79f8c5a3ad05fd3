namespace LedgerX.Chaos.Tests;

/// <summary>
/// The test classes of this project each start a whole private system (seven apps, their sidecars, PostgreSQL and
/// Redis). Side by side on a 2-core machine, beside the rest of the suite, they starved each other: a killed
/// notification-service came back so late that deliveries ran out of retries, which the invariants then reported as
/// lost events. One at a time each measures its own faults, not its neighbour's load.
/// </summary>
[CollectionDefinition(Name)]
public sealed class OneSystemAtATime
{
    public const string Name = "one chaos system at a time";
}
