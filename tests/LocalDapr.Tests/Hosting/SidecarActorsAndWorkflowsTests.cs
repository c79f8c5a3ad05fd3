using Dapr.Actors;
using Dapr.Actors.Client;
using Dapr.Workflow;
using LedgerX.LocalDapr.Hosting;
using LedgerX.LocalDapr.Tests.Actors;
using LedgerX.LocalDapr.Tests.Infrastructure;
using LedgerX.LocalDapr.Tests.Workflow;
using LedgerX.Testing;

namespace LedgerX.LocalDapr.Tests.Hosting;

/// <summary>Actors and workflows through the whole sidecar (not their engines alone): what a service started by
/// <c>localdapr run</c> gets on its usual HTTP and gRPC ports, API token included.</summary>
public sealed class SidecarActorsAndWorkflowsTests
{
    private static CancellationToken Ct => WorkflowTestTimeout.Token;

    [Fact]
    public async Task An_actor_app_is_discovered_and_called_through_the_sidecars_http_port()
    {
        using var resources = new ResourceFolder().WithComponent("actorstore", "state.in-memory", ("actorStateStore", "true"));
        int sidecarPort = FreePorts.Next();
        await using var app = await ActorApp.StartAsync(sidecarPort, new ActorAppSettings());
        await using var sidecar = await LocalDaprSidecar.StartAsync(new SidecarOptions
        {
            AppId = "actor-app", HttpPort = sidecarPort, AppPort = app.Port, ResourcesPaths = [resources.Path],
            ApiToken = ActorSidecarHost.ApiToken, AppApiToken = ActorSidecarHost.AppApiToken,
        }, Ct);

        var proxy = ActorProxy.Create<IProbeActor>(new ActorId("through-sidecar"), ActorApp.ActorType,
            new ActorProxyOptions { HttpEndpoint = sidecar.HttpEndpoint, DaprApiToken = ActorSidecarHost.ApiToken });

        (await proxy.EchoAsync("hello")).ShouldBe("echo:hello");
        app.TokensSeen.ShouldContain(ActorSidecarHost.AppApiToken);
    }

    [Fact]
    public async Task A_workflow_runs_through_the_sidecars_grpc_port()
    {
        using var resources = new ResourceFolder().WithComponent("actorstore", "state.in-memory", ("actorStateStore", "true"));
        await using var sidecar = await LocalDaprSidecar.StartAsync(new SidecarOptions { AppId = "workflow-app", ResourcesPaths = [resources.Path] }, Ct);
        var probe = new WorkflowProbe();
        await using var app = await WorkflowApp.StartAsync(sidecar.GrpcEndpoint, o => TestWorkflows.Register(o, probe));

        string id = await app.Client.ScheduleNewWorkflowAsync("Sequential", Guid.NewGuid().ToString("N"), "x");
        var state = await app.Client.WaitForWorkflowCompletionAsync(id, cancellation: Ct);

        state.RuntimeStatus.ShouldBe(WorkflowRuntimeStatus.Completed);
        state.ReadOutputAs<string>().ShouldBe("xABC");
    }
}
