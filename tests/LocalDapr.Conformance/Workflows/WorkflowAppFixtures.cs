using LedgerX.LocalDapr.Conformance.Tests.Harness;

namespace LedgerX.LocalDapr.Conformance.Tests.Workflows;

/// <summary>js/apps/workflows (durabletask-js) under the launcher, on one backend.</summary>
public abstract class WorkflowAppFixture : JsAppFixture
{
    protected override string Block => "workflows";
}

public sealed class WorkflowAppInMemory : WorkflowAppFixture
{
    public override ConformanceBackend Backend => ConformanceBackend.InMemory;
}

public sealed class WorkflowAppPostgresRedis : WorkflowAppFixture
{
    public override ConformanceBackend Backend => ConformanceBackend.PostgresRedis;
}
