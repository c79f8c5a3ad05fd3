using System.Net;
using LedgerX.LocalDapr.Hosting;
using LedgerX.Pact;
using LedgerX.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace LedgerX.Contracts.ProviderTests.Infrastructure;

/// <summary>
/// The real transaction-service as its consumers meet it: real Kestrel on a free port, its own fresh PostgreSQL
/// database, and a local Dapr sidecar with a workflow engine (POST /api/v1/reversals schedules a saga and answers
/// 503 without one). The only test-only additions are the provider-state endpoint (<see cref="ProviderStateEndpoint"/>)
/// and what a subclass adds in <see cref="AddTestOnlyChanges"/> (the gate test's deliberately breaking change).
/// </summary>
/// <remarks>
/// Hosting follows tests/Transactions.IntegrationTests (LedgerApi, SagaHost.StartSidecarAsync): copied, not referenced,
/// because test projects do not reference each other. One host per verification: the ledger keeps Idempotency-Keys
/// for 48 h, so replaying a pact's fixed example keys against a database that already saw them would be refused.
/// </remarks>
public class TransactionServiceHost : WebApplicationFactory<Program>, IAsyncLifetime
{
    private readonly string _resources = Directory.CreateTempSubdirectory("ledgerx-provider-").FullName;
    private readonly int _sidecarGrpcPort = FreePort();
    private readonly int _sidecarHttpPort = FreePort();
    private LocalDaprSidecar? _sidecar;

    public string ConnectionString { get; private set; } = "";

    /// <summary>A client of the service's own API, for tests that arrange or inspect directly.</summary>
    public HttpClient Client { get; private set; } = null!;

    /// <summary>Where the pact verifier sends requests.</summary>
    public Uri BaseAddress => Client.BaseAddress!;

    /// <summary>Where the pact verifier sets provider states up (and tears them down).</summary>
    public Uri ProviderStatesUrl => new(BaseAddress, ProviderStateEndpoint.Path);

    /// <summary>
    /// The verifier's report, followed by what the provider-state endpoint refused (the verifier itself says only that a
    /// state change failed): the message a failing verification test shows.
    /// </summary>
    public string Report(PactVerificationResult result)
    {
        var refusals = Services.GetRequiredService<ProviderStateEndpoint>().Refusals;
        return refusals.Count == 0
            ? result.Output
            : $"{result.Output}\nThe provider-state endpoint ({ProviderStateEndpoint.Path}) answered:\n{string.Join("\n", refusals.Select(r => $"  - {r}"))}";
    }

    public async ValueTask InitializeAsync()
    {
        ConnectionString = await TestPostgres.CreateDatabaseAsync("pact_ledger");
        // The sidecar first: the ledger's workflow worker connects to it when the app starts.
        await File.WriteAllTextAsync(Path.Combine(_resources, "actorstore.yaml"),
            """
            apiVersion: dapr.io/v1alpha1
            kind: Component
            metadata:
              name: actorstore
            spec:
              type: state.in-memory
              version: v1
              metadata:
              - name: actorStateStore
                value: "true"
            """);
        _sidecar = await LocalDaprSidecar.StartAsync(new SidecarOptions
        {
            AppId = "transaction-service",
            GrpcPort = _sidecarGrpcPort,
            HttpPort = _sidecarHttpPort,
            ResourcesPaths = [_resources],
            WaitForApp = false,
        });
        UseKestrel(0);
        StartServer();
        Client = CreateClient();
        Client.Timeout = TimeSpan.FromSeconds(30);
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("ConnectionStrings:Ledger", ConnectionString);
        builder.UseSetting("DAPR_GRPC_ENDPOINT", $"http://127.0.0.1:{_sidecarGrpcPort}");
        builder.UseSetting("DAPR_HTTP_ENDPOINT", $"http://127.0.0.1:{_sidecarHttpPort}");
        builder.UseSetting("Serilog:MinimumLevel:Default", Environment.GetEnvironmentVariable("LEDGERX_TEST_LOGS") == "1" ? "Information" : "Error");
        // The sidecar has no pub/sub component (no contract here is an event): the outbox's publishes fail and back off,
        // quietly (warnings) and rarely.
        builder.UseSetting("Ledger:Outbox:BackoffBaseMs", "200");
        builder.UseSetting("Ledger:Outbox:BackoffMaxMs", "2000");
        builder.ConfigureTestServices(services =>
        {
            ProviderStateEndpoint.AddTo(services);
            AddTestOnlyChanges(services);
        });
    }

    /// <summary>A test-only change on top of the service, registered after the service's own services.</summary>
    protected virtual void AddTestOnlyChanges(IServiceCollection services)
    {
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (_sidecar is not null)
        {
            await _sidecar.DisposeAsync();
        }
        NpgsqlConnection.ClearAllPools();
        if (ConnectionString.Length > 0)
        {
            await TestPostgres.DropDatabaseAsync(ConnectionString);
        }
        Directory.Delete(_resources, recursive: true);
        GC.SuppressFinalize(this);
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
