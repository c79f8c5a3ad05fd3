using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using LedgerX.LocalDapr.Hosting;
using LedgerX.Testing;
using LedgerX.Transactions.IntegrationTests.Infrastructure;

namespace LedgerX.Transactions.IntegrationTests.Outbox;

/// <summary>
/// The outbox relay against a real Dapr sidecar API: the project's local sidecar, with an in-memory pub/sub component
/// named like the real one. Each test owns its database and sidecar.
/// </summary>
public sealed class OutboxRelayThroughLocalSidecar : IAsyncLifetime
{
    private readonly ApiExpectingASidecar _api = new();
    private readonly string _resources = Directory.CreateTempSubdirectory("ledgerx-outbox-").FullName;
    private LocalDaprSidecar? _sidecar;

    /// <summary>The service with its sidecar port reserved; the test decides when a sidecar starts there.</summary>
    private sealed class ApiExpectingASidecar() : LedgerApi(FreePort());

    public async ValueTask InitializeAsync()
    {
        await File.WriteAllTextAsync(Path.Combine(_resources, "pubsub.yaml"),
            """
            apiVersion: dapr.io/v1alpha1
            kind: Component
            metadata:
              name: pubsub
            spec:
              type: pubsub.in-memory
              version: v1
            """);
        await _api.InitializeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_sidecar is not null)
        {
            await _sidecar.DisposeAsync();
        }
        await _api.DisposeAsync();
        Directory.Delete(_resources, recursive: true);
    }

    [Fact]
    public async Task EveryCommittedEvent_IsPublishedOnItsTopic_WithTheEventIdAsCloudEventId_AndMatchesItsSchema()
    {
        await StartSidecarAsync();
        var alice = await _api.OpenAccountAsync("alice");
        var bob = await _api.OpenAccountAsync("bob");
        await _api.DepositAsync(alice.Id, 500);
        (await _api.Client.PostAsJsonAsync("/api/v1/transfers", new { fromAccountId = alice.Id, toAccountId = bob.Id, amount = 200, currency = "EUR" }))
            .EnsureSuccessStatusCode();
        var hold = await (await _api.Client.PostAsJsonAsync("/api/v1/holds", new { accountId = alice.Id, toAccountId = bob.Id, amount = 100, currency = "EUR" }))
            .Content.ReadFromJsonAsync<JsonObject>();
        (await _api.Client.PostAsJsonAsync($"/api/v1/holds/{hold!["id"]}/void", new { })).EnsureSuccessStatusCode();
        (await _api.Client.PostAsJsonAsync($"/api/v1/accounts/{bob.Id}/freeze", new { reason = "test" })).EnsureSuccessStatusCode();

        var logged = await LoggedEventsAsync();
        await WaitUntilAsync(() => logged.All(e => Published().ContainsKey(e.EventId)), "every logged event to be published");

        var published = Published();
        foreach (var e in logged)
        {
            var message = published[e.EventId];
            message.Topic.ShouldBe(e.Type);
            var envelope = message.CloudEvent!;
            envelope["type"]!.GetValue<string>().ShouldBe(e.Type);
            envelope["pubsubname"]!.GetValue<string>().ShouldBe("pubsub");
            envelope["source"]!.GetValue<string>().ShouldBe("transaction-service");
            JsonNode.DeepEquals(envelope["data"], JsonNode.Parse(e.Payload)).ShouldBeTrue($"{e.Type} data differs from the logged payload");
            EventSchemas.AssertValid(e.Type, JsonSerializer.SerializeToElement(envelope["data"]));
        }
        logged.Select(e => e.Type).Distinct().Order().ShouldBe(
            ["account.frozen.v1", "account.opened.v1", "hold.created.v1", "hold.voided.v1", "transaction.posted.v1"]);
        await WaitUntilAsync(async () => await _api.ScalarAsync<long>("SELECT count(*) FROM outbox WHERE sent_at IS NULL") == 0, "the outbox to be drained");
    }

    /// <summary>ADR 0023: the row keeps the context of the request that caused the event, and the relay publishes under
    /// it, so the CloudEvent (and every consumer) is in the request's trace; other requests' events are not.</summary>
    [Fact]
    public async Task AnEvent_IsPublishedInTheTraceOfTheRequestThatCausedIt()
    {
        await StartSidecarAsync();
        var alice = await _api.OpenAccountAsync("alice");
        var bob = await _api.OpenAccountAsync("bob");
        await _api.DepositAsync(alice.Id, 500);
        // The client's span: HttpClient sends it as traceparent (this process's own HttpClient tracing would replace a
        // hand-written header with a span of a new trace).
        string traceId;
        using (var client = new System.Diagnostics.Activity("client").SetIdFormat(System.Diagnostics.ActivityIdFormat.W3C).Start())
        {
            client.ActivityTraceFlags = System.Diagnostics.ActivityTraceFlags.Recorded;
            traceId = client.TraceId.ToHexString();
            (await _api.Client.PostAsJsonAsync("/api/v1/transfers", new { fromAccountId = alice.Id, toAccountId = bob.Id, amount = 200, currency = "EUR" }))
                .EnsureSuccessStatusCode();
        }

        var logged = await LoggedEventsAsync();
        // The deposit posted one too, earlier: the transfer's is the last.
        var posted = logged.Last(e => e.Type == "transaction.posted.v1");
        string? stored = await _api.ScalarAsync<string>(
            $"SELECT o.trace_parent FROM outbox o JOIN event_log e ON e.sequence = o.sequence WHERE e.event_id = '{Guid.Parse(posted.EventId)}'");
        TraceIdOf(stored).ShouldBe(traceId, "the outbox row keeps the transfer request's trace");

        await WaitUntilAsync(() => logged.All(e => Published().ContainsKey(e.EventId)), "every logged event to be published");
        var published = Published();
        TraceIdOf(published[posted.EventId].CloudEvent!["traceparent"]?.GetValue<string>()).ShouldBe(traceId, "the CloudEvent continues the transfer's trace");
        foreach (var other in logged.Where(e => e.EventId != posted.EventId))
        {
            TraceIdOf(published[other.EventId].CloudEvent!["traceparent"]?.GetValue<string>()).ShouldNotBe(traceId, $"{other.Type} came from another request");
        }
    }

    private static string? TraceIdOf(string? traceParent) => traceParent?.Split('-') is [_, var id, _, _] ? id : null;

    [Fact]
    public async Task WhileTheSidecarIsDown_TheRelayPausesAndRetries_ThenEachEventGoesOutOnce()
    {
        var account = await _api.OpenAccountAsync("patient");
        await _api.DepositAsync(account.Id, 42);
        // The relay keeps trying (attempts grow on the event it tries first) and abandons the rest of each pass,
        // so nothing is marked sent and nothing is lost.
        await WaitUntilAsync(async () => await _api.ScalarAsync<long>("SELECT coalesce(max(attempts), 0)::bigint FROM outbox") >= 3, "repeated attempts");
        (await _api.ScalarAsync<long>("SELECT count(*) FROM outbox WHERE sent_at IS NULL")).ShouldBe(3);
        (await _api.ScalarAsync<string>("SELECT last_error FROM outbox WHERE last_error IS NOT NULL LIMIT 1")).ShouldNotBeNullOrEmpty();

        await StartSidecarAsync();
        var logged = await LoggedEventsAsync();
        await WaitUntilAsync(() => logged.All(e => Published().ContainsKey(e.EventId)), "the backlog to be published");
        await WaitUntilAsync(async () => await _api.ScalarAsync<long>("SELECT count(*) FROM outbox WHERE sent_at IS NULL") == 0, "the outbox to be drained");
        await Task.Delay(500); // a duplicate would arrive within a few relay passes

        _sidecar!.PubSub.Published.Count.ShouldBe(logged.Count);
    }

    private async Task StartSidecarAsync() =>
        _sidecar = await LocalDaprSidecar.StartAsync(new SidecarOptions
        {
            AppId = "transaction-service",
            GrpcPort = _api.SidecarGrpcPort,
            ResourcesPaths = [_resources],
            WaitForApp = false,
        });

    private Dictionary<string, LedgerX.LocalDapr.PubSub.PublishedMessage> Published() =>
        (_sidecar?.PubSub.Published ?? []).Where(m => m.CloudEventId is not null).GroupBy(m => m.CloudEventId!).ToDictionary(g => g.Key, g => g.First());

    private async Task<List<(string EventId, string Type, string Payload)>> LoggedEventsAsync()
    {
        await using var connection = new Npgsql.NpgsqlConnection(_api.ConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand("SELECT event_id, type, payload FROM event_log ORDER BY sequence", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var events = new List<(string, string, string)>();
        while (await reader.ReadAsync())
        {
            events.Add((reader.GetGuid(0).ToString(), reader.GetString(1), reader.GetString(2)));
        }
        return events;
    }

    private static Task WaitUntilAsync(Func<bool> condition, string what) => WaitUntilAsync(() => Task.FromResult(condition()), what);

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
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
}
