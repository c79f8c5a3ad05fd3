extern alias gateway;
using LedgerX.LocalDapr.Hosting;
using LedgerX.LocalDapr.PubSub;
using LedgerX.Notifications.Api.Intake;
using LedgerX.Notifications.Api.Live;
using LedgerX.Notifications.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace LedgerX.Notifications.IntegrationTests.Live;

[CollectionDefinition(Name)]
public sealed class LiveSystemCollection : ICollectionFixture<LiveSystem>
{
    public const string Name = "two notification-service replicas behind the gateway";
}

/// <summary>
/// The live feed as it runs: two replicas of notification-service (same app id, same database), each with its own
/// sidecar and APP_API_TOKEN, sharing an in-memory pub/sub network on which <c>live-pubsub</c> has
/// <c>consumerID: "{uuid}"</c> (a broadcast, as in components/live-pubsub.yaml); and the real gateway in front, whose
/// live route points at replica A. Items enter through a replica's <see cref="LiveFeedSink"/>, as intake hands them over.
/// </summary>
public sealed class LiveSystem : IAsyncLifetime
{
    public const string AppToken = "live-app-token-3c1d";
    public const int BufferSize = 8;
    public const int MaxConnectionsPerUser = 3;

    private readonly InMemoryPubSubNetwork _network = new();
    private readonly string _resources = Directory.CreateTempSubdirectory("ledgerx-live-it-").FullName;
    private readonly List<IAsyncDisposable> _stops = [];

    public string Database { get; private set; } = "";

    public NotificationsApp ReplicaA { get; private set; } = null!;

    public NotificationsApp ReplicaB { get; private set; } = null!;

    public LiveGateway Gateway { get; private set; } = null!;

    public static IDictionary<string, string?> ReplicaSettings => new Dictionary<string, string?>
    {
        ["APP_API_TOKEN"] = AppToken,
        [$"{LiveOptions.Section}:{nameof(LiveOptions.BufferSize)}"] = BufferSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
        [$"{LiveOptions.Section}:{nameof(LiveOptions.MaxConnectionsPerUser)}"] = MaxConnectionsPerUser.ToString(System.Globalization.CultureInfo.InvariantCulture),
        [$"{LiveOptions.Section}:{nameof(LiveOptions.ReplayLimit)}"] = "20",
        [$"{LiveOptions.Section}:{nameof(LiveOptions.PollIntervalMs)}"] = "100",
    };

    public async ValueTask InitializeAsync()
    {
        await File.WriteAllTextAsync(Path.Combine(_resources, "components.yaml"),
            """
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
              metadata:
              - name: consumerID
                value: "{uuid}"
            """);
        Database = await TestPostgres.CreateDatabaseAsync("liveit");
        ReplicaA = await StartReplicaAsync();
        ReplicaB = await StartReplicaAsync();
        Gateway = new LiveGateway(new Uri($"http://127.0.0.1:{ReplicaA.Port}"));
        await Gateway.InitializeAsync();
    }

    private async Task<NotificationsApp> StartReplicaAsync()
    {
        var ports = SidecarPorts.Free();
        var app = new NotificationsApp(ports, Database, ReplicaSettings);
        await app.StartAsync();
        var sidecar = await LocalDaprSidecar.StartAsync(new SidecarOptions
        {
            AppId = "notification-service", AppPort = app.Port, HttpPort = ports.Http, GrpcPort = ports.Grpc,
            ResourcesPaths = [_resources], InMemoryPubSubNetwork = _network, AppApiToken = AppToken,
        });
        _stops.Add(sidecar);
        _stops.Add(app);
        return app;
    }

    /// <summary>Stores <paramref name="e"/> in its user's feed through <paramref name="replica"/>, as intake would.</summary>
    public static async Task AcceptAsync(NotificationsApp replica, UserEvent e)
    {
        ArgumentNullException.ThrowIfNull(replica);
        await using var scope = replica.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<LiveFeedSink>().AcceptAsync(e, CancellationToken.None);
    }

    public static UserEvent Credited(string userId, long amount, string? description = null) => new(
        Guid.CreateVersion7(), userId, UserEventKinds.TransactionCredited, DateTimeOffset.UtcNow, Guid.CreateVersion7(),
        new global::LedgerX.Notifications.Api.Money(amount, "EUR"), new Dictionary<string, string> { ["description"] = description ?? $"credit {amount}" });

    public async ValueTask DisposeAsync()
    {
        if (Gateway is not null)
        {
            await Gateway.DisposeAsync();
        }
        foreach (var stop in Enumerable.Reverse(_stops))
        {
            await stop.DisposeAsync();
        }
        await _network.DisposeAsync();
        if (Database.Length > 0)
        {
            await TestPostgres.DropDatabaseAsync(Database);
        }
        Directory.Delete(_resources, recursive: true);
    }
}

/// <summary>The real gateway (its appsettings' route table) with its own sidecar, its live route pointed at
/// <paramref name="liveDestination"/>; budgets large enough not to get in the way.</summary>
public sealed class LiveGateway(Uri liveDestination) : AppOnKestrel<gateway::Program>("Gateway", SidecarPorts.Free(), existingDatabase: "")
{
    private LocalDaprSidecar? _sidecar;

    protected override IDictionary<string, string?> Defaults => new Dictionary<string, string?>
    {
        ["Gateway:Live:Destination"] = liveDestination.ToString(),
        ["Gateway:RateLimits:Live:TokenLimit"] = "10000",
        ["Gateway:RateLimits:Reads:TokenLimit"] = "10000",
        ["Gateway:RateLimits:Writes:TokenLimit"] = "10000",
    };

    public Uri WebSocketUri(string query = "") => new($"ws://127.0.0.1:{Port}{LiveApi.Prefix}/ws{query}");

    public override async ValueTask InitializeAsync()
    {
        _sidecar = await LocalDaprSidecar.StartAsync(new SidecarOptions
        {
            AppId = "gateway-live-" + Guid.NewGuid().ToString("N")[..8], HttpPort = Sidecar.Http, GrpcPort = Sidecar.Grpc, WaitForApp = false,
        });
        await base.InitializeAsync();
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (_sidecar is not null)
        {
            await _sidecar.DisposeAsync();
        }
    }
}
