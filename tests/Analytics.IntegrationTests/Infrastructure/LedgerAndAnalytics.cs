using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dapr.Client;
using LedgerX.LocalDapr.Hosting;
using LedgerX.LocalDapr.PubSub;
using Npgsql;

namespace LedgerX.Analytics.IntegrationTests.Infrastructure;

[CollectionDefinition(Name)]
public sealed class LedgerAndAnalyticsCollection : ICollectionFixture<LedgerAndAnalytics>
{
    public const string Name = "ledger and analytics through local sidecars";
}

/// <summary>
/// The real transaction-service and analytics-service, each with its own local Dapr sidecar; the sidecars share
/// in-memory pub/sub (as services share the Redis broker), analytics' sidecar has an in-memory state store (its query
/// cache), and invocation from analytics to transaction-service resolves in-process. Started once for the collection:
/// tests use their own accounts, so they do not disturb each other's answers.
/// </summary>
public sealed class LedgerAndAnalytics : IAsyncLifetime
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly string _resources = Directory.CreateTempSubdirectory("ledgerx-analytics-").FullName;
    private readonly InMemoryPubSubNetwork _network = new();

    public LedgerHost Ledger { get; } = new();
    public AnalyticsHost Analytics { get; } = new();
    public LocalDaprSidecar LedgerSidecar { get; private set; } = null!;
    public LocalDaprSidecar AnalyticsSidecar { get; private set; } = null!;

    /// <summary>A Dapr client on the ledger's sidecar: publishes as transaction-service (or stands in for fraud-service).</summary>
    public DaprClient Publisher { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        await File.WriteAllTextAsync(Path.Combine(_resources, "pubsub.yaml"), Component("pubsub", "pubsub.in-memory"));
        await File.WriteAllTextAsync(Path.Combine(_resources, "statestore.yaml"), Component("statestore", "state.in-memory"));
        await File.WriteAllTextAsync(Path.Combine(_resources, "resiliency.yaml"), QuickDeliveryRetries);
        // transaction-service runs its reversal sagas on Dapr Workflow, which keeps its state in the actor state store.
        await File.WriteAllTextAsync(Path.Combine(_resources, "actorstore.yaml"), Component("actorstore", "state.in-memory") +
            "\n  metadata:\n  - name: actorStateStore\n    value: \"true\"\n");
        await Task.WhenAll(Ledger.InitializeAsync().AsTask(), Analytics.InitializeAsync().AsTask());
        LedgerSidecar = await LocalDaprSidecar.StartAsync(new SidecarOptions
        {
            AppId = "transaction-service", AppPort = Ledger.Port, GrpcPort = Ledger.Sidecar.Grpc, HttpPort = Ledger.Sidecar.Http,
            ResourcesPaths = [_resources], InMemoryPubSubNetwork = _network, WaitForApp = false,
        });
        AnalyticsSidecar = await LocalDaprSidecar.StartAsync(new SidecarOptions
        {
            AppId = "analytics-service", AppPort = Analytics.Port, GrpcPort = Analytics.Sidecar.Grpc, HttpPort = Analytics.Sidecar.Http,
            ResourcesPaths = [_resources], InMemoryPubSubNetwork = _network,
        });
        Publisher = new DaprClientBuilder().UseGrpcEndpoint(LedgerSidecar.GrpcEndpoint).UseHttpEndpoint(LedgerSidecar.HttpEndpoint)
            .UseJsonSerializationOptions(Json).Build();
    }

    public async ValueTask DisposeAsync()
    {
        Publisher?.Dispose();
        if (AnalyticsSidecar is not null)
        {
            await AnalyticsSidecar.DisposeAsync();
        }
        if (LedgerSidecar is not null)
        {
            await LedgerSidecar.DisposeAsync();
        }
        await Analytics.DisposeAsync();
        await Ledger.DisposeAsync();
        await _network.DisposeAsync();
        Directory.Delete(_resources, recursive: true);
    }

    public async Task<Guid> OpenAccountAsync(string owner)
    {
        // The owner is the caller: the account is opened with the owner's own token.
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/accounts") { Content = JsonContent.Create(new { currency = "EUR" }) };
        request.Headers.Authorization = Ledger.Tokens.Bearer(owner, LedgerX.ServiceDefaults.Auth.Permissions.LedgerWrite);
        var response = await Ledger.Client.SendAsync(request);
        await ExpectAsync(response, HttpStatusCode.Created);
        return (await response.Content.ReadFromJsonAsync<JsonObject>(Json))!["id"]!.GetValue<Guid>();
    }

    public async Task<JsonObject> DepositAsync(Guid account, long amount, string? category = null) =>
        await PostLedgerAsync("/api/v1/deposits", new { accountId = account, amount, currency = "EUR", category });

    public async Task<JsonObject> TransferAsync(Guid from, Guid to, long amount, string? category = null) =>
        await PostLedgerAsync("/api/v1/transfers", new { fromAccountId = from, toAccountId = to, amount, currency = "EUR", category });

    private async Task<JsonObject> PostLedgerAsync(string path, object body)
    {
        var response = await Ledger.Client.PostAsJsonAsync(path, body, Json);
        await ExpectAsync(response, HttpStatusCode.Created);
        return (await response.Content.ReadFromJsonAsync<JsonObject>(Json))!;
    }

    /// <summary>The ledger's event log, read from its own API (what the rebuild replays).</summary>
    public async Task<List<JsonObject>> LedgerEventsAsync()
    {
        var page = await Ledger.Client.GetFromJsonAsync<JsonObject>("/api/v1/ledger/events?limit=1000", Json);
        return [.. page!["items"]!.AsArray().Select(i => i!.AsObject())];
    }

    /// <summary>Waits until analytics-service has applied and acknowledged every one of these events: each id is in
    /// processed_events, and analytics' sidecar recorded a successful delivery of it.</summary>
    /// <remarks>The row alone is not enough. The subscription commits the read models (and the row) first and only
    /// then writes the new query-cache versions of the scopes the event touched; it answers SUCCESS after both. On a
    /// loaded machine a query sent between the commit and the cache write reads the previous version: a cached answer
    /// without the event, or a fresh one cached under a version that is about to be replaced (the next identical
    /// query then misses). A successful delivery is what says the cache has caught up too.</remarks>
    public async Task WaitUntilAppliedAsync(IEnumerable<Guid> eventIds)
    {
        var ids = eventIds.ToArray();
        var pending = ids.Select(id => id.ToString()).ToHashSet(StringComparer.OrdinalIgnoreCase);
        await WaitUntilAsync(() =>
        {
            pending.ExceptWith(AnalyticsSidecar.PubSub.Deliveries
                .Where(d => d.Outcome == DeliveryOutcome.Success && d.CloudEventId is not null).Select(d => d.CloudEventId!));
            return Task.FromResult(pending.Count == 0);
        }, $"analytics' sidecar to deliver {ids.Length} events successfully");
        (await ScalarAsync<long>("SELECT count(*) FROM processed_events WHERE event_id = ANY(@ids)", ("ids", ids))).ShouldBe(ids.Length,
            "every successfully delivered event is applied");
    }

    public async Task WaitUntilLedgerLogAppliedAsync() =>
        await WaitUntilAppliedAsync((await LedgerEventsAsync())
            .Where(e => e["type"]!.GetValue<string>() is var type && (type == "account.opened.v1" || !type.StartsWith("account.", StringComparison.Ordinal)))
            .Select(e => e["eventId"]!.GetValue<Guid>()));

    public async Task<T> ScalarAsync<T>(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(Analytics.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }
        return (T)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Every read-model table, rows sorted, as text: two states are equal when their dumps are.</summary>
    public async Task<string> DumpReadModelsAsync()
    {
        string[] tables = ["balance_points", "spending_entries", "reversal_adjustments", "counterparties", "daily_volumes", "daily_activity", "alert_counts", "account_owners", "processed_events"];
        var dump = new System.Text.StringBuilder();
        foreach (var table in tables)
        {
            var columns = table == "processed_events" ? "event_id, type, origin" : "*";
            dump.AppendLine(table).AppendLine(await ScalarAsync<string>(
                $"SELECT coalesce(string_agg(r, E'\\n' ORDER BY r), '') FROM (SELECT t::text AS r FROM (SELECT {columns} FROM {table}) t) x"));
        }
        return dump.ToString();
    }

    public static async Task ExpectAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        if (response.StatusCode != status)
        {
            throw new Xunit.Sdk.XunitException($"Expected {(int)status}, got {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }
    }

    public static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out waiting for {what}.");
            }
            await Task.Delay(50);
        }
    }

    /// <summary>Like components/resiliency.yaml's bounded delivery retries, but quick, so a poison message reaches the
    /// dead-letter topic within a test.</summary>
    private const string QuickDeliveryRetries = """
        apiVersion: dapr.io/v1alpha1
        kind: Resiliency
        metadata:
          name: quick-delivery
        spec:
          policies:
            retries:
              quick:
                policy: constant
                duration: 20ms
                maxRetries: 3
          targets:
            components:
              pubsub:
                inbound:
                  retry: quick
        """;

    private static string Component(string name, string type) => $"""
        apiVersion: dapr.io/v1alpha1
        kind: Component
        metadata:
          name: {name}
        spec:
          type: {type}
          version: v1
        """;
}
