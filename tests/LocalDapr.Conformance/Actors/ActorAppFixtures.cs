using LedgerX.LocalDapr.Conformance.Tests.Harness;

namespace LedgerX.LocalDapr.Conformance.Tests.Actors;

/// <summary>js/apps/actors (@dapr/dapr AbstractActor + ActorProxyBuilder) under the launcher, on one backend.</summary>
public abstract class ActorAppFixture : JsAppFixture
{
    protected override string Block => "actors";
}

public sealed class ActorAppInMemory : ActorAppFixture
{
    public override ConformanceBackend Backend => ConformanceBackend.InMemory;
}

public sealed class ActorAppPostgresRedis : ActorAppFixture
{
    public override ConformanceBackend Backend => ConformanceBackend.PostgresRedis;
}
