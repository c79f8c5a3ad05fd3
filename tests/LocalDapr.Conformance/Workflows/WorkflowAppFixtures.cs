using LedgerX.LocalDapr.Conformance.Tests.Harness;

namespace LedgerX.LocalDapr.Conformance.Tests.Workflows;

/// <summary>js/apps/workflows (durabletask-js) under the launcher, on one backend.</summary>
public abstract class WorkflowAppFixture : JsAppFixture
{
    /// <summary>The sidecar's turn lease, short so the stalled-worker test sees the turn handed out again quickly.</summary>
    public static readonly TimeSpan TurnLease = TimeSpan.FromSeconds(3);

    protected override string Block => "workflows";

    protected override IReadOnlyDictionary<string, string>? LauncherEnvironment =>
        new Dictionary<string, string> { ["LOCALDAPR_WORKFLOW_TURN_LEASE"] = $"{TurnLease.TotalSeconds}s" };
}

public sealed class WorkflowAppInMemory : WorkflowAppFixture
{
    public override ConformanceBackend Backend => ConformanceBackend.InMemory;
}

public sealed class WorkflowAppPostgresRedis : WorkflowAppFixture
{
    public override ConformanceBackend Backend => ConformanceBackend.PostgresRedis;
}
