using LedgerX.EndToEnd.Tests.Load;
using LedgerX.EndToEnd.Tests.Observability;
using Xunit.Sdk;
using Xunit.v3;

namespace LedgerX.EndToEnd.Tests.Infrastructure;

/// <summary>
/// The order of the classes that run one at a time (<see cref="SystemCollection"/>, after the classes that run side by
/// side): xUnit's own (unpredictable but stable), except that the two classes that gain from a system the rest of the
/// run has used come last, in this order.
/// <list type="bullet">
/// <item><see cref="MixedLoadThroughTheGateway"/>: on a just-started system its first seconds met cold paths (JIT,
/// connection pools) and once had a failed request; after the other classes every path has been taken.</item>
/// <item><see cref="EveryDashboardPanelHasData"/>: the metrics the run's requests created stay in the apps' /metrics, so
/// a Prometheus started after the mixed load finds nearly every panel's series at once, and the test's own load (eight
/// new users and up to minutes of requests) is needed only for what is still empty, e.g. when the class runs alone.</item>
/// </list>
/// No test depends on this order for its verdict: each class makes what it asserts on, and is only faster here.
/// </summary>
public sealed class SystemCollectionOrder : ITestClassOrderer
{
    private static readonly string[] Last = [typeof(MixedLoadThroughTheGateway).FullName!, typeof(EveryDashboardPanelHasData).FullName!];

    public IReadOnlyCollection<TTestClass?> OrderTestClasses<TTestClass>(IReadOnlyCollection<TTestClass?> testClasses)
        where TTestClass : notnull, ITestClass =>
        [.. DefaultTestClassOrderer.Instance.OrderTestClasses(testClasses).OrderBy(c => c is null ? -1 : Array.IndexOf(Last, c.TestClassName))];
}
