using LedgerX.LocalDapr.Hosting;

namespace LedgerX.Testing;

/// <summary>A local Dapr sidecar with a workflow engine, for an app that is not started yet.</summary>
public static class WorkflowSidecar
{
    /// <summary>
    /// Writes the actor state store component (<c>actorstore.yaml</c>) into <paramref name="resourcesPath"/>, which the
    /// caller owns, and starts a sidecar for <paramref name="appId"/> on <paramref name="ports"/>. Start it before the
    /// app: the app's workflow worker connects to the sidecar when the app starts. So the sidecar does not wait for the
    /// app, and has no app port (it only runs the app's workflows, which the worker pulls over gRPC).
    /// </summary>
    public static async Task<LocalDaprSidecar> StartAsync(string appId, SidecarPorts ports, ActorStore actorStore, string resourcesPath)
    {
        await File.WriteAllTextAsync(Path.Combine(resourcesPath, "actorstore.yaml"), actorStore.Component("actorstore"));
        return await LocalDaprSidecar.StartAsync(new SidecarOptions
        {
            AppId = appId,
            GrpcPort = ports.Grpc,
            HttpPort = ports.Http,
            ResourcesPaths = [resourcesPath],
            WaitForApp = false,
        });
    }
}
