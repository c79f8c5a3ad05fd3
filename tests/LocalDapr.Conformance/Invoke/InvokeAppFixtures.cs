using LedgerX.LocalDapr.Conformance.Tests.Harness;

namespace LedgerX.LocalDapr.Conformance.Tests.Invoke;

/// <summary>js/apps/invoke (@dapr/dapr invoker, HTTP and gRPC clients) under the launcher, on one backend.</summary>
public abstract class InvokeAppFixture : JsAppFixture
{
    protected override string Block => "invoke";
}

public sealed class InvokeAppInMemory : InvokeAppFixture
{
    public override ConformanceBackend Backend => ConformanceBackend.InMemory;
}

public sealed class InvokeAppPostgresRedis : InvokeAppFixture
{
    public override ConformanceBackend Backend => ConformanceBackend.PostgresRedis;
}
