using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dapr.Client;
using LedgerX.Fraud.Api.Apis;
using LedgerX.LocalDapr.Hosting;
using LedgerX.LocalDapr.PubSub;

namespace LedgerX.Fraud.IntegrationTests.Infrastructure;

[CollectionDefinition(Name)]
public sealed class FraudAndLedgerCollection : ICollectionFixture<FraudAndLedger>
{
    public const string Name = "fraud-service and the ledger";
}


/// <summary>
/// The real transaction-service and fraud-service, each with its own local Dapr sidecar; the sidecars share one
/// in-memory pub/sub network (so the ledger's events reach fraud-service as they would through Redis) and find each
/// other for service invocation. fraud-service's actors keep their state in an in-memory actor state store.
/// Started once for the collection: the tests use their own accounts, so they never see each other's data.
/// </summary>
public sealed class FraudAndLedger : IAsyncLifetime
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly string _resources = Directory.CreateTempSubdirectory("ledgerx-fraud-it-").FullName;
    private readonly InMemoryPubSubNetwork _network = new();
    private readonly List<HttpClient> _scorers = [];
    private readonly SidecarPorts _ledgerPorts = SidecarPorts.Free();
    private readonly SidecarPorts _fraudPorts = SidecarPorts.Free();

    public ShiftedClock LedgerClock { get; } = new();

    public LedgerApp Ledger { get; private set; } = null!;

    public FraudApp Fraud { get; private set; } = null!;

    public LocalDaprSidecar LedgerSidecar { get; private set; } = null!;

    public LocalDaprSidecar FraudSidecar { get; private set; } = null!;

    public DeadLetterWatcher DeadLetters { get; private set; } = null!;

    /// <summary>auth-service as fraud-service reaches it through its sidecar: issues fraud-service's own client-credentials
    /// tokens (signed with the keys the ledger trusts), so the policy's freezes carry a real token end to end.</summary>
    public FakeAuthService Auth { get; private set; } = null!;

    /// <summary>fraud-service's client secret, in the sidecars' secret store as in components/secrets.json.</summary>
    public const string FraudClientSecret = "fraud-it-secret";

    /// <summary>What a fraud-service host needs to get its own token: auth-service's app id (the fake's).</summary>
    public IDictionary<string, string?> ServiceIdentitySettings => new Dictionary<string, string?>
    {
        ["Auth:AppId"] = Auth.AppId,
    };

    private LocalDaprSidecar _deadLetterSidecar = null!;

    /// <summary>A client of the ledger's sidecar: publishes as transaction-service would.</summary>
    public DaprClient LedgerDapr { get; private set; } = null!;

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
        Auth = await FakeAuthService.StartAsync(TestTokens.Shared, "fraud-it", CancellationToken.None);
        Auth.RegisterClient("fraud-service", FraudClientSecret, "accounts:freeze", "accounts:any", "ledger:write", "ledger:read");

        // The ledger's sidecar first, on the port its app will take: the ledger's workflow worker connects at start.
        var ledgerPort = FreePorts.Next();
        LedgerSidecar = await LocalDaprSidecar.StartAsync(new SidecarOptions
        {
            AppId = "transaction-service", AppPort = ledgerPort, HttpPort = _ledgerPorts.Http, GrpcPort = _ledgerPorts.Grpc,
            ResourcesPaths = [_resources], InMemoryPubSubNetwork = _network, WaitForApp = false,
        });
        Ledger = new LedgerApp(_ledgerPorts, LedgerClock);
        Fraud = new FraudApp(_fraudPorts, ServiceIdentitySettings);
        await Task.WhenAll(Ledger.StartAsync(ledgerPort), Fraud.StartAsync());
        FraudSidecar = await LocalDaprSidecar.StartAsync(new SidecarOptions
        {
            AppId = "fraud-service", AppPort = Fraud.Port, HttpPort = _fraudPorts.Http, GrpcPort = _fraudPorts.Grpc,
            ResourcesPaths = [_resources], InMemoryPubSubNetwork = _network,
        });
        DeadLetters = await DeadLetterWatcher.StartAsync();
        _deadLetterSidecar = await LocalDaprSidecar.StartAsync(new SidecarOptions
        {
            AppId = "dead-letter-watcher", AppPort = DeadLetters.Port, ResourcesPaths = [_resources], InMemoryPubSubNetwork = _network,
        });
        _scorers.Add(Fraud.Client);
        LedgerDapr = new DaprClientBuilder()
            .UseGrpcEndpoint(LedgerSidecar.GrpcEndpoint).UseHttpEndpoint(LedgerSidecar.HttpEndpoint).Build();
    }

    public async ValueTask DisposeAsync()
    {
        LedgerDapr?.Dispose();
        if (_deadLetterSidecar is not null)
        {
            await _deadLetterSidecar.DisposeAsync();
            await DeadLetters.DisposeAsync();
        }
        if (FraudSidecar is not null)
        {
            await FraudSidecar.DisposeAsync();
        }
        if (LedgerSidecar is not null)
        {
            await LedgerSidecar.DisposeAsync();
        }
        await Fraud.DisposeAsync();
        await Ledger.DisposeAsync();
        if (Auth is not null)
        {
            await Auth.DisposeAsync();
        }
        await _network.DisposeAsync();
        Directory.Delete(_resources, recursive: true);
    }

    /// <summary>
    /// Another fraud-service on the same pub/sub network, under its own app id (so it gets every event too, rather than
    /// competing with the first like a replica), with its own settings. Scenarios wait for it as well while it runs.
    /// </summary>
    public async Task<IAsyncDisposable> StartAnotherFraudServiceAsync(string appId, IDictionary<string, string?> settings)
    {
        var ports = SidecarPorts.Free();
        var app = new FraudApp(ports, new Dictionary<string, string?>(ServiceIdentitySettings.Concat(settings)));
        await app.StartAsync();
        var sidecar = await LocalDaprSidecar.StartAsync(new SidecarOptions
        {
            AppId = appId, AppPort = app.Port, HttpPort = ports.Http, GrpcPort = ports.Grpc, ResourcesPaths = [_resources], InMemoryPubSubNetwork = _network,
        });
        _scorers.Add(app.Client);
        return new Stoppable(async () =>
        {
            _scorers.Remove(app.Client);
            await sidecar.DisposeAsync();
            await app.DisposeAsync();
        }, app);
    }

    public sealed class Stoppable(Func<Task> stop, FraudApp app) : IAsyncDisposable
    {
        public FraudApp App { get; } = app;

        public async ValueTask DisposeAsync() => await stop();
    }

    // The ledger, driven through its public HTTP API.

    public async Task<Guid> OpenAccountAsync(string owner)
    {
        // The owner is the caller: the account is opened with the owner's own token.
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/accounts") { Content = JsonContent.Create(new { currency = "EUR" }) };
        request.Headers.Authorization = Ledger.Tokens.Bearer(owner, LedgerX.ServiceDefaults.Auth.Permissions.LedgerWrite);
        var response = await Ledger.Client.SendAsync(request);
        await ExpectAsync(response, HttpStatusCode.Created);
        return (await response.Content.ReadFromJsonAsync<JsonObject>(Json))!["id"]!.GetValue<Guid>();
    }

    public async Task<Guid> DepositAsync(Guid account, long amount)
    {
        var response = await Ledger.Client.PostAsJsonAsync("/api/v1/deposits", new { accountId = account, amount, currency = "EUR" });
        await ExpectAsync(response, HttpStatusCode.Created);
        return (await response.Content.ReadFromJsonAsync<JsonObject>(Json))!["id"]!.GetValue<Guid>();
    }

    public async Task<Guid> TransferAsync(Guid from, Guid to, long amount)
    {
        var response = await Ledger.Client.PostAsJsonAsync("/api/v1/transfers", new { fromAccountId = from, toAccountId = to, amount, currency = "EUR" });
        await ExpectAsync(response, HttpStatusCode.Created);
        return (await response.Content.ReadFromJsonAsync<JsonObject>(Json))!["id"]!.GetValue<Guid>();
    }

    public async Task<string> AccountStatusAsync(Guid account) =>
        (await Ledger.Client.GetFromJsonAsync<JsonObject>($"/api/v1/accounts/{account}", Json))!["status"]!.GetValue<string>();

    /// <summary>The ledger's audit events of <paramref name="action"/> on <paramref name="subject"/>, from its audit outbox.</summary>
    public async Task<List<JsonObject>> LedgerAuditEventsAsync(string action, Guid subject)
    {
        await using var connection = new Npgsql.NpgsqlConnection(Ledger.ConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(
            "SELECT coalesce(array_agg(payload::text ORDER BY enqueued_at), '{}') FROM audit_outbox WHERE payload->>'action' = @action AND payload->'subject'->>'id' = @subject",
            connection);
        command.Parameters.AddWithValue("action", action);
        command.Parameters.AddWithValue("subject", subject.ToString());
        return [.. ((string[])(await command.ExecuteScalarAsync())!).Select(p => JsonNode.Parse(p)!.AsObject())];
    }

    // fraud-service, through its HTTP API.

    public async Task<RiskProfileResponse> RiskProfileAsync(Guid account) =>
        await TryRiskProfileAsync(Fraud.Client, account) ?? throw new Xunit.Sdk.XunitException($"fraud-service has no risk profile of {account}.");

    /// <summary>Null while fraud-service has seen no movement of the account (it answers 404 then).</summary>
    public Task<RiskProfileResponse?> TryRiskProfileAsync(Guid account) => TryRiskProfileAsync(Fraud.Client, account);

    private static async Task<RiskProfileResponse?> TryRiskProfileAsync(HttpClient fraud, Guid account)
    {
        var response = await fraud.GetAsync($"/api/v1/accounts/{account}/risk-profile");
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        await ExpectAsync(response, HttpStatusCode.OK);
        return await response.Content.ReadFromJsonAsync<RiskProfileResponse>(Json);
    }

    /// <summary>The alerts <see cref="Callers.FraudAnalyst"/> (the fixture's default caller) sees.</summary>
    public async Task<Page<AlertResponse>> AlertsAsync(string query) =>
        (await Fraud.Client.GetFromJsonAsync<Page<AlertResponse>>($"/api/v1/alerts?{query}", Json))!;

    /// <summary>Waits until fraud-service (every running instance) has assessed <paramref name="count"/> movements of the
    /// account, so a scripted scenario's next step is scored against a profile that includes the previous ones.</summary>
    public async Task<RiskProfileResponse> WaitForMovementsAsync(Guid account, long count)
    {
        foreach (var other in _scorers.Skip(1).ToList())
        {
            await WaitUntilAsync(async () => (await TryRiskProfileAsync(other, account))?.Movements >= count, $"{count} movements of {account} to be assessed");
        }
        RiskProfileResponse? profile = null;
        await WaitUntilAsync(async () => (profile = await TryRiskProfileAsync(Fraud.Client, account))?.Movements >= count, $"{count} movements of {account} to be assessed");
        return profile!;
    }

    /// <summary>
    /// An account with a week of small grocery payments receives a large deposit and, within minutes, sends it to two
    /// accounts it never paid before. Returns the account and the second (draining) transfer's entry.
    /// </summary>
    public async Task<(Guid Victim, Guid FirstEntry, Guid DrainEntry)> DrainADepositAsync(string name)
    {
        var victim = await OpenAccountAsync(name);
        var grocer = await OpenAccountAsync(name + "-grocer");
        var mule1 = await OpenAccountAsync(name + "-mule-1");
        var mule2 = await OpenAccountAsync(name + "-mule-2");
        var movements = 0;

        await DepositAsync(victim, 100_000);
        await WaitForMovementsAsync(victim, ++movements);
        for (var i = 0; i < 6; i++)
        {
            LedgerClock.Advance(TimeSpan.FromDays(1));
            await TransferAsync(victim, grocer, 3_000 + (i * 37));
            await WaitForMovementsAsync(victim, ++movements);
        }

        LedgerClock.Advance(TimeSpan.FromDays(1));
        await DepositAsync(victim, 2_500_000);
        await WaitForMovementsAsync(victim, ++movements);
        LedgerClock.Advance(TimeSpan.FromMinutes(3));
        var first = await TransferAsync(victim, mule1, 1_200_000);
        await WaitForMovementsAsync(victim, ++movements);
        LedgerClock.Advance(TimeSpan.FromMinutes(1));
        var drain = await TransferAsync(victim, mule2, 1_100_000);
        return (victim, first, drain);
    }

    public static async Task ExpectAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        if (response.StatusCode != status)
        {
            throw new Xunit.Sdk.XunitException($"Expected {(int)status}, got {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }
    }

    public static async Task WaitUntilAsync(Func<Task<bool>> condition, string what, int timeoutSeconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(timeoutSeconds);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out waiting for {what}.");
            }
            await Task.Delay(50);
        }
    }

    public static Task WaitUntilAsync(Func<bool> condition, string what) => WaitUntilAsync(() => Task.FromResult(condition()), what);
}
