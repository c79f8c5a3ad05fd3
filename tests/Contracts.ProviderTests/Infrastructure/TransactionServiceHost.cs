using LedgerX.LocalDapr.Hosting;
using LedgerX.Pact;
using LedgerX.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace LedgerX.Contracts.ProviderTests.Infrastructure;

/// <summary>
/// The real transaction-service as its consumers meet it: real Kestrel on a free port, its own fresh PostgreSQL
/// database, and a local Dapr sidecar with a workflow engine (POST /api/v1/reversals schedules a saga; without one it
/// waits out the bounded start timeout). The only test-only additions are the provider-state endpoint (<see cref="ProviderStateEndpoint"/>)
/// and what a subclass adds in <see cref="AddTestOnlyChanges"/> (the gate test's deliberately breaking change).
/// </summary>
/// <remarks>
/// Hosted as tests/Transactions.IntegrationTests hosts it (LedgerApi, SagaHost), through the same LedgerX.Testing
/// pieces: <see cref="AppOnKestrel{TEntryPoint}"/> and <see cref="WorkflowSidecar"/>. One host per verification: the
/// ledger keeps Idempotency-Keys for 48 h, so replaying a pact's fixed example keys against a database that already saw
/// them would be refused. <see cref="AppOnKestrel{TEntryPoint}.Client"/> is a client of the service's own API, for
/// tests that arrange or inspect directly.
/// </remarks>
public class TransactionServiceHost() : AppOnKestrel<Program>("pact_ledger", "Ledger", SidecarPorts.Free())
{
    private readonly string _resources = Directory.CreateTempSubdirectory("ledgerx-provider-").FullName;
    private LocalDaprSidecar? _sidecar;

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

    public override async ValueTask InitializeAsync()
    {
        // The sidecar first: the ledger's workflow worker connects to it when the app starts.
        _sidecar = await WorkflowSidecar.StartAsync("transaction-service", Sidecar, ActorStore.InMemory, _resources);
        await base.InitializeAsync();
    }

    // The sidecar has no pub/sub component (no contract here is an event): the outbox's publishes fail and back off,
    // quietly (warnings) and rarely.
    protected override IDictionary<string, string?> Defaults => new Dictionary<string, string?>
    {
        ["Ledger:Outbox:BackoffBaseMs"] = "200",
        ["Ledger:Outbox:BackoffMaxMs"] = "2000",
    };

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services =>
        {
            ProviderStateEndpoint.AddTo(services);
            services.AddSingleton<IStartupFilter, PactTokens>();
            AddTestOnlyChanges(services);
        });
    }

    /// <summary><see cref="AppOnKestrel{TEntryPoint}.Client"/> arranges and inspects as an administrator: every ledger
    /// route needs a token. The pact verifier's requests carry the consumers' own (see <see cref="PactTokens"/>).</summary>
    protected override void ConfigureClient(HttpClient client)
    {
        base.ConfigureClient(client);
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer",
            TestTokens.Shared.Mint("pact-admin", LedgerX.ServiceDefaults.Auth.Permissions.All, expiresIn: TimeSpan.FromHours(6)));
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
        Directory.Delete(_resources, recursive: true);
        GC.SuppressFinalize(this);
    }
}
