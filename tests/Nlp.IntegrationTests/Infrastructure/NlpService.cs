using LedgerX.LocalDapr.Hosting;
using LedgerX.LocalDapr.PubSub;
using Microsoft.Extensions.DependencyInjection;

namespace LedgerX.Nlp.IntegrationTests.Infrastructure;

[CollectionDefinition(Name)]
public sealed class NlpServiceCollection : ICollectionFixture<NlpService>
{
    public const string Name = "nlp-service with its sidecar";
}

/// <summary>
/// nlp-service with its own local Dapr sidecar (app id <c>nlp-service</c>) on the harness's PostgreSQL, with
/// <c>pubsub</c> and <c>live-pubsub</c> as in-memory components on one network, so further replicas
/// (<see cref="StartReplicaAsync"/>) compete for the queue as they would on Redis. Tokens are
/// <see cref="TestTokens.Shared"/>'s. Tests use fresh user ids, so they never see each other's questions.
/// <para>Subclass and override <see cref="Settings"/> / <see cref="Services"/> for a test's own answerer or limits.</para>
/// </summary>
public class NlpService : IAsyncLifetime
{
    public const string AppId = "nlp-service";

    private readonly InMemoryPubSubNetwork _network = new();
    private readonly List<Replica> _replicas = [];

    protected string Resources { get; } = Directory.CreateTempSubdirectory("ledgerx-nlp-it-").FullName;

    /// <summary>The database every replica shares, created by the fixture so a restarted replica finds the data.</summary>
    public string Database { get; private set; } = "";

    /// <summary>The first replica.</summary>
    public NlpApp App => _replicas[0].App;

    public LocalDaprSidecar Sidecar => _replicas[0].Sidecar;

    public IReadOnlyList<Replica> Replicas => _replicas;

    /// <summary>Settings of every replica, on top of <see cref="NlpApp.FastLoops"/>.</summary>
    protected virtual IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        // Headroom: tests block answers on purpose, and one failing midway must not starve the others of workers.
        ["Nlp:WorkerConcurrency"] = "16",
    };

    /// <summary>Services replaced in every replica: the <see cref="ScriptedAnswerer"/> by default.</summary>
    protected virtual void Services(IServiceCollection services) =>
        services.AddSingleton<LedgerX.Nlp.Api.Answering.IQuestionAnswerer, ScriptedAnswerer>();

    public virtual async ValueTask InitializeAsync()
    {
        await File.WriteAllTextAsync(Path.Combine(Resources, "components.yaml"),
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
            """);
        Database = await TestPostgres.CreateDatabaseAsync("nlpit");
        await StartReplicaAsync();
    }

    /// <summary>Starts another replica (own app and sidecar, same app id and database): it competes for the queue.</summary>
    public async Task<Replica> StartReplicaAsync(IDictionary<string, string?>? settings = null)
    {
        var ports = SidecarPorts.Free();
        var app = new NlpApp(ports, Database, settings ?? Settings, Services);
        await app.StartAsync();
        var sidecar = await LocalDaprSidecar.StartAsync(new SidecarOptions
        {
            AppId = AppId, AppPort = app.Port, HttpPort = ports.Http, GrpcPort = ports.Grpc,
            ResourcesPaths = [Resources], InMemoryPubSubNetwork = _network,
        });
        var replica = new Replica(app, sidecar);
        _replicas.Add(replica);
        return replica;
    }

    /// <summary>Stops <paramref name="replica"/> at once (its app first, as a crash would), leaving its rows as they are.</summary>
    public async Task StopReplicaAsync(Replica replica)
    {
        ArgumentNullException.ThrowIfNull(replica);
        _replicas.Remove(replica);
        await replica.DisposeAsync();
    }

    /// <summary>Every message the replicas' sidecars published on <paramref name="pubsub"/>/<paramref name="topic"/>.</summary>
    public IEnumerable<PublishedMessage> Published(string pubsub, string topic) =>
        _replicas.SelectMany(r => r.Sidecar.PubSub.Published).Where(m => m.PubsubName == pubsub && m.Topic == topic);

    /// <summary>The queue messages published for question <paramref name="questionId"/>. Other messages on the topic may
    /// lack a question id (the poison-message test publishes one there), so they are skipped, not dereferenced.</summary>
    public IReadOnlyList<PublishedMessage> QueuedFor(Guid questionId) =>
        [.. Published("pubsub", "nlp.question_queued.v1")
            .Where(m => m.CloudEvent?["data"]?["questionId"] is { } id && id.GetValueKind() == System.Text.Json.JsonValueKind.String
                        && Guid.TryParse(id.GetValue<string>(), out var parsed) && parsed == questionId)];

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
        foreach (var replica in _replicas)
        {
            await replica.DisposeAsync();
        }
        await _network.DisposeAsync();
        if (Database.Length > 0)
        {
            await TestPostgres.DropDatabaseAsync(Database);
        }
        Directory.Delete(Resources, recursive: true);
        GC.SuppressFinalize(this);
    }
}

/// <summary>One nlp-service replica: the app and its sidecar.</summary>
public sealed record Replica(NlpApp App, LocalDaprSidecar Sidecar) : IAsyncDisposable
{
    public async ValueTask DisposeAsync()
    {
        await App.DisposeAsync();
        await Sidecar.DisposeAsync();
    }
}
