using System.Text.Json.Nodes;
using LedgerX.LocalDapr.Hosting;
using LedgerX.LocalDapr.PubSub;
using LedgerX.Nlp.Api.Answering;
using LedgerX.Nlp.Api.Tools;
using LedgerX.ServiceDefaults.Auth;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace LedgerX.Nlp.IntegrationTests.Tools.Infrastructure;

/// <summary>Runs alone, after the parallel collections: three apps, their sidecars and a seeded scenario load a 2-core
/// machine enough that another collection's one-second readiness checks time out beside it.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LedgerAndFraudCollection : ICollectionFixture<LedgerAndFraud>
{
    public const string Name = "nlp tools over the real ledger and fraud-service";
}

/// <summary>
/// The real transaction-service and fraud-service behind their own local Dapr sidecars (one in-memory pub/sub network,
/// so the ledger's events reach fraud-service; actor and workflow state in memory), an nlp-service sidecar the tools
/// call through (service invocation, as in production), and the tools themselves as nlp-service registers them
/// (<see cref="ToolsRegistration.AddNlpTools"/>). The scenario of <see cref="TwoCustomers"/> is seeded once, through
/// the ledger's API, for the collection. The called sidecars apply the repository's access policy (components/config.yaml).
/// </summary>
public sealed class LedgerAndFraud : IAsyncLifetime
{
    private readonly string _resources = Directory.CreateTempSubdirectory("ledgerx-nlp-tools-it-").FullName;
    private readonly InMemoryPubSubNetwork _network = new();
    private readonly SidecarPorts _ledgerPorts = SidecarPorts.Free();
    private readonly SidecarPorts _fraudPorts = SidecarPorts.Free();
    private readonly SidecarPorts _nlpPorts = SidecarPorts.Free();
    private readonly List<IAsyncDisposable> _stops = [];
    private WebApplication _tools = null!;

    /// <summary>The repository's access control (deny by default), on the sidecars the tools call: the tests pass only if
    /// it lets nlp-service's reads through, exactly as deployed.</summary>
    private static string AccessPolicy => RepositoryRoot.PathOf("components", "config.yaml");

    /// <summary>fraud-service's client secret in the sidecars' secret store (it asks auth-service for its own token).</summary>
    private const string FraudClientSecret = "nlp-tools-it-fraud-secret";

    public DownstreamClock Clock { get; } = new();

    public ToolsLedgerApp Ledger { get; private set; } = null!;

    public ToolsFraudApp Fraud { get; private set; } = null!;

    public TwoCustomers Scenario { get; private set; } = null!;

    /// <summary>The tools as nlp-service builds them for a question.</summary>
    public INlpToolsFactory Tools => _tools.Services.GetRequiredService<INlpToolsFactory>();

    public InterpreterAnswerer Answerer => _tools.Services.GetRequiredService<InterpreterAnswerer>();

    public async ValueTask InitializeAsync()
    {
        await File.WriteAllTextAsync(Path.Combine(_resources, "components.yaml"),
            $"""
            apiVersion: dapr.io/v1alpha1
            kind: Component
            metadata:
              name: pubsub
            spec:
              type: pubsub.in-memory
              version: v1
            ---
            {ActorStore.InMemory.Component("statestore")}
            ---
            apiVersion: dapr.io/v1alpha1
            kind: Component
            metadata:
              name: secretstore
            spec:
              type: secretstores.local.file
              version: v1
              metadata:
              - name: secretsFile
                value: {Path.Combine(_resources, "secrets.json")}
            """);
        await File.WriteAllTextAsync(Path.Combine(_resources, "secrets.json"),
            new JsonObject { ["fraud-service-client-secret"] = FraudClientSecret }.ToJsonString());
        var auth = await FakeAuthService.StartAsync(TestTokens.Shared, "nlp-tools-it", CancellationToken.None);
        _stops.Add(auth);
        auth.RegisterClient("fraud-service", FraudClientSecret, Permissions.AccountsFreeze, Permissions.AccountsAny, Permissions.LedgerWrite, Permissions.LedgerRead);

        // The ledger's sidecar first, on the port its app will take: the ledger's workflow worker connects at start.
        var ledgerPort = FreePorts.Next();
        _stops.Add(await LocalDaprSidecar.StartAsync(new SidecarOptions
        {
            AppId = "transaction-service", AppPort = ledgerPort, HttpPort = _ledgerPorts.Http, GrpcPort = _ledgerPorts.Grpc,
            ResourcesPaths = [_resources], InMemoryPubSubNetwork = _network, WaitForApp = false, ConfigFile = AccessPolicy,
        }));
        Ledger = new ToolsLedgerApp(_ledgerPorts, Clock);
        Fraud = new ToolsFraudApp(_fraudPorts, Clock, new Dictionary<string, string?> { ["Auth:AppId"] = auth.AppId });
        await Task.WhenAll(Ledger.StartAsync(ledgerPort), Fraud.StartAsync());
        _stops.Add(Ledger);
        _stops.Add(Fraud);
        _stops.Add(await LocalDaprSidecar.StartAsync(new SidecarOptions
        {
            AppId = "fraud-service", AppPort = Fraud.Port, HttpPort = _fraudPorts.Http, GrpcPort = _fraudPorts.Grpc,
            ResourcesPaths = [_resources], InMemoryPubSubNetwork = _network, ConfigFile = AccessPolicy,
        }));
        // nlp-service's sidecar: the tools only call out through it, so no app behind it.
        _stops.Add(await LocalDaprSidecar.StartAsync(new SidecarOptions
        {
            AppId = "nlp-service", HttpPort = _nlpPorts.Http, GrpcPort = _nlpPorts.Grpc, ResourcesPaths = [_resources],
            InMemoryPubSubNetwork = _network, WaitForApp = false,
        }));

        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration["DAPR_HTTP_ENDPOINT"] = $"http://127.0.0.1:{_nlpPorts.Http}";
        builder.Configuration["Nlp:Tools:CallTimeoutMs"] = "30000"; // a loaded 2-core machine: slow is not broken here
        builder.AddNlpTools();
        _tools = builder.Build();

        Scenario = await TwoCustomers.SeedAsync(Ledger, Fraud, Clock);
    }

    public async ValueTask DisposeAsync()
    {
        if (_tools is not null) await _tools.DisposeAsync();
        // Sidecars before their apps, apps before auth: the reverse of the start.
        foreach (var stop in Enumerable.Reverse(_stops))
        {
            await stop.DisposeAsync();
        }
        await _network.DisposeAsync();
        Directory.Delete(_resources, recursive: true);
    }
}
