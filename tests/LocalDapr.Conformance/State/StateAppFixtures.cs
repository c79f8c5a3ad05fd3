using LedgerX.LocalDapr.Conformance.Tests.Harness;

namespace LedgerX.LocalDapr.Conformance.Tests.State;

/// <summary>js/apps/state (@dapr/dapr DaprClient over HTTP and gRPC) under the launcher, on one backend.</summary>
public abstract class StateAppFixture : JsAppFixture
{
    protected override string Block => "state";
}

public sealed class StateAppInMemory : StateAppFixture
{
    public override ConformanceBackend Backend => ConformanceBackend.InMemory;
}

public sealed class StateAppPostgresRedis : StateAppFixture
{
    public override ConformanceBackend Backend => ConformanceBackend.PostgresRedis;
}
