using System.Text;
using System.Text.Json;
using Dapr.Client;
using LedgerX.LocalDapr.Hosting;
using LedgerX.LocalDapr.PubSub;

namespace LedgerX.Notifications.IntegrationTests.Infrastructure;

[CollectionDefinition(Name)]
public sealed class NotificationServiceCollection : ICollectionFixture<NotificationService>
{
    public const string Name = "notification-service with its sidecar";
}

/// <summary>
/// notification-service with its own local Dapr sidecar, and a publisher sidecar on the same in-memory pub/sub network
/// (so events published through it reach notification-service as they would from the ledger through Redis). Tokens are
/// <see cref="TestTokens.Shared"/>'s (the service trusts its keys). Started once per collection: tests use fresh user
/// ids (<see cref="Callers.NewSubject"/>), so they never see each other's data.
/// <para>Subclass and override <see cref="ExtraComponents"/> / <see cref="Settings"/> for a module's own needs.</para>
/// </summary>
public class NotificationService : IAsyncLifetime
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly InMemoryPubSubNetwork _network = new();
    private LocalDaprSidecar? _publisherSidecar;

    protected string Resources { get; } = Directory.CreateTempSubdirectory("ledgerx-notifications-it-").FullName;

    public SidecarPorts Ports { get; } = SidecarPorts.Free();

    /// <summary>The service's database, created by the fixture so a restarted service finds the data of the previous one.</summary>
    public string Database { get; private set; } = "";

    public NotificationsApp App { get; private set; } = null!;

    public LocalDaprSidecar Sidecar { get; private set; } = null!;

    /// <summary>A client of the publisher's sidecar: publishes as transaction-service, fraud-service or auth-service would.</summary>
    public DaprClient Publisher { get; private set; } = null!;

    /// <summary>The push provider behind notify-push (e-mail and SMS go to the servers <c>./ledgerx test</c> starts).</summary>
    public FlakyProvider Push { get; private set; } = null!;

    /// <summary>Component YAML documents added to the shared resources folder (bindings, a module's pub/sub).</summary>
    protected virtual string ExtraComponents => "";

    /// <summary>notify-email and notify-sms at the test mail servers, notify-push at <see cref="Push"/>, and quick
    /// redelivery of RETRY answers (an event waiting for its owner's account.opened.v1).</summary>
    private string NotifyComponentsAndResiliency() =>
        string.Join("\n---\n", NotifyComponents.Yaml().Split("\n---\n").Where(c => !c.Contains($"name: {NotifyComponents.Push}", StringComparison.Ordinal))) + $"""

            ---
            apiVersion: dapr.io/v1alpha1
            kind: Component
            metadata:
              name: {NotifyComponents.Push}
            spec:
              type: bindings.http
              version: v1
              metadata:
                - name: url
                  value: "{Push.Url}"
                - name: errorIfNot2XX
                  value: "true"
            ---
            apiVersion: dapr.io/v1alpha1
            kind: Resiliency
            metadata:
              name: quick-delivery
            spec:
              policies:
                retries:
                  quick:
                    policy: constant
                    duration: 100ms
                    maxRetries: 100
              targets:
                components:
                  pubsub:
                    inbound:
                      retry: quick
            """;

    /// <summary>Settings of the service, on top of <see cref="NotificationsApp.FastLoops"/>.</summary>
    protected virtual IDictionary<string, string?> Settings => new Dictionary<string, string?>();

    public virtual async ValueTask InitializeAsync()
    {
        Push = await FlakyProvider.StartAsync();
        await File.WriteAllTextAsync(Path.Combine(Resources, "notify.yaml"), NotifyComponentsAndResiliency());
        await File.WriteAllTextAsync(Path.Combine(Resources, "components.yaml"),
            $"""
            apiVersion: dapr.io/v1alpha1
            kind: Component
            metadata:
              name: pubsub
            spec:
              type: pubsub.in-memory
              version: v1
            ---
            apiVersion: dapr.io/v1alpha1
            kind: Component
            metadata:
              name: live-pubsub
            spec:
              type: pubsub.in-memory
              version: v1
            {(ExtraComponents.Length > 0 ? "---\n" + ExtraComponents : "")}
            """);
        Database = await TestPostgres.CreateDatabaseAsync("notifit");
        App = new NotificationsApp(Ports, Database, Settings);
        await App.StartAsync();
        Sidecar = await StartSidecarAsync(App.Port, Ports);
        _publisherSidecar = await LocalDaprSidecar.StartAsync(new SidecarOptions
        {
            AppId = "event-publisher", ResourcesPaths = [Resources], InMemoryPubSubNetwork = _network, WaitForApp = false,
        });
        Publisher = new DaprClientBuilder()
            .UseGrpcEndpoint(_publisherSidecar.GrpcEndpoint).UseHttpEndpoint(_publisherSidecar.HttpEndpoint).Build();
    }

    /// <summary>Stops the service and its sidecar and starts new ones on the same database and ports: a restart.</summary>
    public async Task RestartAsync(IDictionary<string, string?>? settings = null)
    {
        await Sidecar.DisposeAsync();
        await App.DisposeAsync();
        App = new NotificationsApp(Ports, Database, settings ?? Settings);
        await App.StartAsync();
        Sidecar = await StartSidecarAsync(App.Port, Ports);
    }

    private Task<LocalDaprSidecar> StartSidecarAsync(int appPort, SidecarPorts ports) =>
        LocalDaprSidecar.StartAsync(new SidecarOptions
        {
            AppId = "notification-service", AppPort = appPort, HttpPort = ports.Http, GrpcPort = ports.Grpc,
            ResourcesPaths = [Resources], InMemoryPubSubNetwork = _network,
        });

    /// <summary>Publishes <paramref name="payload"/> (serialized as the web JSON the services publish) on the
    /// <c>pubsub</c> component with CloudEvent id <paramref name="eventId"/>, as the event's owner would.</summary>
    public Task PublishAsync(string topic, Guid eventId, object payload, string pubsub = "pubsub") =>
        Publisher.PublishByteEventAsync(pubsub, topic, Encoding.UTF8.GetBytes(JsonSerializer.Serialize(payload, Json)), "application/json",
            new Dictionary<string, string> { ["cloudevent.id"] = eventId.ToString(), ["cloudevent.type"] = topic });

    /// <summary>Polls <paramref name="probe"/> until it returns a value or <paramref name="timeout"/> passes (generous by
    /// default: a loaded 2-core machine is slow, never wrong).</summary>
    public static async Task<T> EventuallyAsync<T>(Func<Task<T?>> probe, string what, TimeSpan? timeout = null) where T : class
    {
        ArgumentNullException.ThrowIfNull(probe);
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            if (await probe() is { } value)
            {
                return value;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new Xunit.Sdk.XunitException($"Timed out waiting for {what}.");
            }
            await Task.Delay(100);
        }
    }

    public virtual async ValueTask DisposeAsync()
    {
        Publisher?.Dispose();
        if (_publisherSidecar is not null)
        {
            await _publisherSidecar.DisposeAsync();
        }
        if (Sidecar is not null)
        {
            await Sidecar.DisposeAsync();
        }
        if (App is not null)
        {
            await App.DisposeAsync();
        }
        await _network.DisposeAsync();
        if (Push is not null)
        {
            await Push.DisposeAsync();
        }
        if (Database.Length > 0)
        {
            await TestPostgres.DropDatabaseAsync(Database);
        }
        Directory.Delete(Resources, recursive: true);
        GC.SuppressFinalize(this);
    }
}
