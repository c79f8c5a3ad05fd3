using Xunit;
using Xunit.Sdk;
using Xunit.v3;

namespace LedgerX.Chaos.Tests;

/// <summary>
/// The test classes of this project share one whole private system (seven apps, their sidecars, PostgreSQL and Redis,
/// archiving WAL): <see cref="ChaosSystemUnderLoad"/>, started once for the collection. A start costs one to two minutes
/// on a 2-core machine, which two starts (one per class) made a quarter of the suite's slowest lane. The classes run one
/// after the other, so that each measures its own faults, not its neighbour's load (side by side, a killed
/// notification-service came back so late that deliveries ran out of retries, which the invariants then reported as
/// lost events). <see cref="RestoreAfterLosingTheCluster"/> runs last (<see cref="RestoreLast"/>): it deletes the
/// cluster and recovers it to an earlier point, which no other test should have to reason about.
/// </summary>
[CollectionDefinition(Name)]
[TestClassOrderer(typeof(RestoreLast))]
public sealed class OneSystemAtATime : ICollectionFixture<ChaosSystemUnderLoad>
{
    public const string Name = "one chaos system at a time";
}

/// <summary>The collection's classes by name, the disaster-recovery class last.</summary>
public sealed class RestoreLast : ITestClassOrderer
{
    public IReadOnlyCollection<TTestClass?> OrderTestClasses<TTestClass>(IReadOnlyCollection<TTestClass?> testClasses)
        where TTestClass : notnull, ITestClass =>
        [.. testClasses
            .OrderBy(c => c?.TestClassName == typeof(RestoreAfterLosingTheCluster).FullName)
            .ThenBy(c => c?.TestClassName, StringComparer.Ordinal)];
}
