using System.Net;
using System.Net.Http.Json;
using Dapr;
using Dapr.Client;
using Grpc.Core;
using LedgerX.LocalDapr.Hosting;
using LedgerX.LocalDapr.Tests.Infrastructure;
using LedgerX.Testing;

namespace LedgerX.LocalDapr.Tests.State;

public sealed record Account(string Id, long BalanceMinor);

/// <summary>The same state contract, driven through DaprClient, against every state backend.</summary>
public sealed class StateApiTests
{
    public static TheoryData<string> Stores => ["state.in-memory", "state.postgresql"];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Saved_value_round_trips_and_a_missing_key_is_default(string type)
    {
        await using var env = await StateEnvironment.StartAsync(type);
        await env.Client.SaveStateAsync("statestore", "acc-1", new Account("acc-1", 1200), cancellationToken: Ct);

        (await env.Client.GetStateAsync<Account>("statestore", "acc-1", cancellationToken: Ct)).ShouldBe(new Account("acc-1", 1200));
        (await env.Client.GetStateAsync<Account>("statestore", "missing", cancellationToken: Ct)).ShouldBeNull();
        var (value, etag) = await env.Client.GetStateAndETagAsync<Account>("statestore", "missing", cancellationToken: Ct);
        value.ShouldBeNull();
        etag.ShouldBeNullOrEmpty();
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task TrySave_with_a_stale_etag_returns_false_and_with_the_current_etag_true(string type)
    {
        await using var env = await StateEnvironment.StartAsync(type);
        await env.Client.SaveStateAsync("statestore", "k", new Account("k", 1), cancellationToken: Ct);
        var (_, etag) = await env.Client.GetStateAndETagAsync<Account>("statestore", "k", cancellationToken: Ct);
        await env.Client.SaveStateAsync("statestore", "k", new Account("k", 2), cancellationToken: Ct);

        (await env.Client.TrySaveStateAsync("statestore", "k", new Account("k", 3), etag, cancellationToken: Ct)).ShouldBeFalse();
        var (current, currentEtag) = await env.Client.GetStateAndETagAsync<Account>("statestore", "k", cancellationToken: Ct);
        current!.BalanceMinor.ShouldBe(2);
        (await env.Client.TrySaveStateAsync("statestore", "k", new Account("k", 4), currentEtag, new StateOptions { Concurrency = ConcurrencyMode.FirstWrite }, cancellationToken: Ct)).ShouldBeTrue();
        (await env.Client.GetStateAsync<Account>("statestore", "k", cancellationToken: Ct))!.BalanceMinor.ShouldBe(4);
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task TryDelete_with_a_stale_etag_returns_false(string type)
    {
        await using var env = await StateEnvironment.StartAsync(type);
        await env.Client.SaveStateAsync("statestore", "k", "v1", cancellationToken: Ct);
        var (_, etag) = await env.Client.GetStateAndETagAsync<string>("statestore", "k", cancellationToken: Ct);
        await env.Client.SaveStateAsync("statestore", "k", "v2", cancellationToken: Ct);

        (await env.Client.TryDeleteStateAsync("statestore", "k", etag, cancellationToken: Ct)).ShouldBeFalse();
        var (_, fresh) = await env.Client.GetStateAndETagAsync<string>("statestore", "k", cancellationToken: Ct);
        (await env.Client.TryDeleteStateAsync("statestore", "k", fresh, cancellationToken: Ct)).ShouldBeTrue();
        (await env.Client.GetStateAsync<string>("statestore", "k", cancellationToken: Ct)).ShouldBeNull();
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Bulk_get_returns_found_and_missing_items_and_bulk_delete_removes_them(string type)
    {
        await using var env = await StateEnvironment.StartAsync(type);
        await env.Client.SaveBulkStateAsync("statestore", [new SaveStateItem<string>("a", "1", null!), new SaveStateItem<string>("b", "2", null!)], Ct);

        var items = await env.Client.GetBulkStateAsync<string>("statestore", ["a", "b", "c"], parallelism: 2, cancellationToken: Ct);
        items.OrderBy(i => i.Key).Select(i => (i.Key, (string?)i.Value)).ShouldBe([("a", "1"), ("b", "2"), ("c", null)]);

        await env.Client.DeleteBulkStateAsync("statestore", [new BulkDeleteStateItem("a", null!), new BulkDeleteStateItem("b", null!)], Ct);
        (await env.Client.GetBulkStateAsync<string>("statestore", ["a", "b"], parallelism: 1, cancellationToken: Ct)).ShouldAllBe(i => i.Value == null);
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task A_transaction_applies_all_operations_or_none(string type)
    {
        await using var env = await StateEnvironment.StartAsync(type);
        await env.Client.SaveStateAsync("statestore", "gone", "x", cancellationToken: Ct);
        await env.Client.ExecuteStateTransactionAsync("statestore",
        [
            new StateTransactionRequest("t1", System.Text.Json.JsonSerializer.SerializeToUtf8Bytes("one"), StateOperationType.Upsert),
            new StateTransactionRequest("gone", null, StateOperationType.Delete),
        ], cancellationToken: Ct);
        (await env.Client.GetStateAsync<string>("statestore", "t1", cancellationToken: Ct)).ShouldBe("one");
        (await env.Client.GetStateAsync<string>("statestore", "gone", cancellationToken: Ct)).ShouldBeNull();

        var stale = Guid.NewGuid().ToString();
        var error = await Should.ThrowAsync<DaprException>(() => env.Client.ExecuteStateTransactionAsync("statestore",
        [
            new StateTransactionRequest("t2", System.Text.Json.JsonSerializer.SerializeToUtf8Bytes("two"), StateOperationType.Upsert),
            new StateTransactionRequest("t1", System.Text.Json.JsonSerializer.SerializeToUtf8Bytes("changed"), StateOperationType.Upsert, stale),
        ], cancellationToken: Ct));
        error.InnerException.ShouldBeOfType<RpcException>().StatusCode.ShouldBe(StatusCode.Internal);
        (await env.Client.GetStateAsync<string>("statestore", "t2", cancellationToken: Ct)).ShouldBeNull();
        (await env.Client.GetStateAsync<string>("statestore", "t1", cancellationToken: Ct)).ShouldBe("one");
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Items_saved_with_ttlInSeconds_expire(string type)
    {
        await using var env = await StateEnvironment.StartAsync(type);
        await env.Client.SaveStateAsync("statestore", "short", "lived", metadata: new Dictionary<string, string> { ["ttlInSeconds"] = "1" }, cancellationToken: Ct);
        (await env.Client.GetStateAsync<string>("statestore", "short", cancellationToken: Ct)).ShouldBe("lived");
        await Task.Delay(1300, Ct);
        (await env.Client.GetStateAsync<string>("statestore", "short", cancellationToken: Ct)).ShouldBeNull();
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Keys_are_stored_with_the_app_id_prefix(string type)
    {
        await using var env = await StateEnvironment.StartAsync(type);
        await env.Client.SaveStateAsync("statestore", "k", "v", cancellationToken: Ct);
        var store = env.Sidecar.Runtime.State.Stores["statestore"].Store;
        (await store.GetAsync($"{env.Sidecar.AppId}||k", Ct)).ShouldNotBeNull();
        (await store.GetAsync("k", Ct)).ShouldBeNull();
    }

    [Fact]
    public async Task Unknown_store_is_InvalidArgument_over_grpc_and_400_over_http()
    {
        await using var env = await StateEnvironment.StartAsync("state.in-memory");
        var error = await Should.ThrowAsync<DaprException>(() => env.Client.GetStateAsync<string>("nope", "k", cancellationToken: Ct));
        var rpc = error.InnerException.ShouldBeOfType<RpcException>();
        rpc.StatusCode.ShouldBe(StatusCode.InvalidArgument);
        rpc.Status.Detail.ShouldBe("state store nope is not found");

        using var http = new HttpClient();
        var response = await http.GetAsync($"{env.Sidecar.HttpEndpoint}/v1.0/state/nope/k", Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.Content.ReadAsStringAsync(Ct)).ShouldContain("ERR_STATE_STORE_NOT_FOUND");
    }

    [Fact]
    public async Task Http_state_api_uses_etag_headers_and_409_on_mismatch()
    {
        await using var env = await StateEnvironment.StartAsync("state.in-memory");
        using var http = new HttpClient { BaseAddress = new Uri(env.Sidecar.HttpEndpoint) };
        (await http.PostAsJsonAsync("/v1.0/state/statestore", new[] { new { key = "h", value = new { n = 1 } } }, Ct)).StatusCode.ShouldBe(HttpStatusCode.NoContent);

        var get = await http.GetAsync("/v1.0/state/statestore/h", Ct);
        get.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await get.Content.ReadAsStringAsync(Ct)).ShouldBe("""{"n":1}""");
        string etag = get.Headers.ETag?.Tag ?? get.Headers.GetValues("ETag").Single();

        var conflict = await http.PostAsJsonAsync("/v1.0/state/statestore", new[] { new { key = "h", value = new { n = 2 }, etag = Guid.NewGuid().ToString() } }, Ct);
        conflict.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await http.GetAsync("/v1.0/state/statestore/missing", Ct)).StatusCode.ShouldBe(HttpStatusCode.NoContent);

        using var delete = new HttpRequestMessage(HttpMethod.Delete, "/v1.0/state/statestore/h");
        delete.Headers.TryAddWithoutValidation("If-Match", etag.Trim('"'));
        (await http.SendAsync(delete, Ct)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await env.Client.GetStateAsync<object>("statestore", "h", cancellationToken: Ct)).ShouldBeNull();
    }
}
