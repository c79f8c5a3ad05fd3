using LedgerX.LocalDapr.Conformance.Tests.Harness;

namespace LedgerX.LocalDapr.Conformance.Tests.GrpcApp;

/// <summary>js/apps/grpc (@dapr/dapr DaprServer over gRPC, <c>appProtocol: grpc</c>) under the launcher, on one backend.</summary>
public abstract class GrpcAppFixture : JsAppFixture
{
    protected override string Block => "grpc";

    protected override string AppProtocol => "grpc";
}

public sealed class GrpcAppInMemory : GrpcAppFixture
{
    public override ConformanceBackend Backend => ConformanceBackend.InMemory;
}

public sealed class GrpcAppPostgresRedis : GrpcAppFixture
{
    public override ConformanceBackend Backend => ConformanceBackend.PostgresRedis;
}
