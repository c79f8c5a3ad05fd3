using LedgerX.LocalDapr.Conformance.Tests.Harness;

namespace LedgerX.LocalDapr.Conformance.Tests.PubSub;

/// <summary>js/apps/pubsub (@dapr/dapr DaprClient + DaprServer) under the launcher, on one backend.</summary>
public abstract class PubSubAppFixture : JsAppFixture
{
    protected override string Block => "pubsub";
}

public sealed class PubSubAppInMemory : PubSubAppFixture
{
    public override ConformanceBackend Backend => ConformanceBackend.InMemory;
}

public sealed class PubSubAppPostgresRedis : PubSubAppFixture
{
    public override ConformanceBackend Backend => ConformanceBackend.PostgresRedis;
}
