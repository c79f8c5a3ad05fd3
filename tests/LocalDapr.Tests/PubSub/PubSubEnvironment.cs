using Dapr.Client;
using LedgerX.LocalDapr.Hosting;
using LedgerX.LocalDapr.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;

namespace LedgerX.LocalDapr.Tests.PubSub;

/// <summary>A subscriber app (Dapr.AspNetCore), its sidecar with a pub/sub named <c>pubsub</c>, and a DaprClient on it.</summary>
public sealed class PubSubEnvironment : IAsyncDisposable
{
    private PubSubEnvironment(ResourceFolder resources, SubscriberApp app, LocalDaprSidecar sidecar)
    {
        Resources = resources;
        App = app;
        Sidecar = sidecar;
        Client = Clients.For(sidecar);
    }

    public ResourceFolder Resources { get; }

    public SubscriberApp App { get; }

    public LocalDaprSidecar Sidecar { get; }

    public DaprClient Client { get; }

    public static async Task<PubSubEnvironment> StartAsync(
        Action<WebApplication, SubscriberApp> map,
        Action<ResourceFolder>? resources = null,
        string pubsubYaml = "",
        string appId = "subscriber")
    {
        var folder = new ResourceFolder();
        if (pubsubYaml.Length == 0)
        {
            folder.WithComponent("pubsub", "pubsub.in-memory");
        }
        else
        {
            folder.With("pubsub.yaml", pubsubYaml);
        }

        resources?.Invoke(folder);
        var app = await SubscriberApp.StartAsync(map);
        var sidecar = await LocalDaprSidecar.StartAsync(new SidecarOptions { AppId = appId, AppPort = app.Port, ResourcesPaths = [folder.Path] }, TestContext.Current.CancellationToken);
        return new PubSubEnvironment(folder, app, sidecar);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Sidecar.DisposeAsync();
        await App.DisposeAsync();
        Resources.Dispose();
    }
}

public static class ResiliencyYaml
{
    /// <summary>Constant retries for deliveries from the <c>pubsub</c> component (its inbound direction).</summary>
    public static string InboundRetries(int maxRetries) => $"""
        apiVersion: dapr.io/v1alpha1
        kind: Resiliency
        metadata:
          name: delivery
        spec:
          policies:
            retries:
              quick:
                policy: constant
                duration: 20ms
                maxRetries: {maxRetries}
          targets:
            components:
              pubsub:
                inbound:
                  retry: quick
        """;
}
