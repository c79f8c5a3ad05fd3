using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Dapr;
using Dapr.Client;
using Google.Rpc;
using Grpc.Core;
using Grpc.Net.Client;
using Autogen = Dapr.Client.Autogen.Grpc.v1;

namespace LedgerX.LocalDapr.Tests.State;

/// <summary>
/// daprd's answers for <c>concurrency: first-write</c>, malformed etags and keys containing <c>||</c>, per backend
/// (components-contrib's in-memory and PostgreSQL v2 stores answer first-write differently; daprd passes that on).
/// </summary>
public sealed class StateConcurrencyAndKeyTests
{
    private static readonly StateOptions FirstWrite = new() { Concurrency = ConcurrencyMode.FirstWrite };

    public static TheoryData<string> Stores => ["state.in-memory", "state.postgresql"];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task First_write_without_an_etag_creates_a_new_key_but_never_replaces_one(string type)
    {
        await using var env = await StateEnvironment.StartAsync(type);
        await env.Client.SaveStateAsync("statestore", "fw", "first", FirstWrite, cancellationToken: Ct);

        var error = await Should.ThrowAsync<DaprException>(() => env.Client.SaveStateAsync("statestore", "fw", "second", FirstWrite, cancellationToken: Ct));
        var rpc = error.InnerException.ShouldBeOfType<RpcException>();
        if (type == "state.in-memory")
        {
            rpc.StatusCode.ShouldBe(StatusCode.Aborted);
            rpc.Status.Detail.ShouldContain("item already exists and no etag was passed");
        }
        else
        {
            // PostgreSQL v2 reports the untouched row as a plain store error, so daprd answers Internal.
            rpc.StatusCode.ShouldBe(StatusCode.Internal);
            rpc.Status.Detail.ShouldContain("no item was updated");
        }

        (await env.Client.GetStateAsync<string>("statestore", "fw", cancellationToken: Ct)).ShouldBe("first");
        // last-write (the default) still replaces it.
        await env.Client.SaveStateAsync("statestore", "fw", "third", cancellationToken: Ct);
        (await env.Client.GetStateAsync<string>("statestore", "fw", cancellationToken: Ct)).ShouldBe("third");
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task First_write_over_http_answers_as_the_store_does(string type)
    {
        await using var env = await StateEnvironment.StartAsync(type);
        using var http = new HttpClient { BaseAddress = new Uri(env.Sidecar.HttpEndpoint) };
        object Item(int n) => new[] { new { key = "h", value = n, options = new { concurrency = "first-write" } } };
        (await http.PostAsJsonAsync("/v1.0/state/statestore", Item(1), Ct)).StatusCode.ShouldBe(HttpStatusCode.NoContent);

        var second = await http.PostAsJsonAsync("/v1.0/state/statestore", Item(2), Ct);
        var body = JsonNode.Parse(await second.Content.ReadAsStringAsync(Ct))!;
        body["errorCode"]!.GetValue<string>().ShouldBe("ERR_STATE_SAVE");
        if (type == "state.in-memory")
        {
            second.StatusCode.ShouldBe(HttpStatusCode.Conflict);
            body["message"]!.GetValue<string>().ShouldBe("failed saving state in state store statestore: possible etag mismatch. error from state store: item already exists and no etag was passed");
        }
        else
        {
            second.StatusCode.ShouldBe(HttpStatusCode.InternalServerError);
            body["message"]!.GetValue<string>().ShouldBe("failed saving state in state store statestore: no item was updated");
        }

        (await env.Client.GetStateAsync<int>("statestore", "h", cancellationToken: Ct)).ShouldBe(1);
    }

    [Fact]
    public async Task First_write_applies_inside_a_transaction_and_to_an_in_memory_delete()
    {
        await using var env = await StateEnvironment.StartAsync("state.in-memory");
        using var http = new HttpClient { BaseAddress = new Uri(env.Sidecar.HttpEndpoint) };
        await env.Client.SaveStateAsync("statestore", "t", "kept", cancellationToken: Ct);

        var tx = await http.PostAsJsonAsync("/v1.0/state/statestore/transaction", new
        {
            operations = new object[]
            {
                new { operation = "upsert", request = new { key = "fresh", value = 1 } },
                new { operation = "upsert", request = new { key = "t", value = "lost", options = new { concurrency = "first-write" } } },
            },
        }, Ct);
        tx.StatusCode.ShouldBe(HttpStatusCode.InternalServerError);
        (await env.Client.GetStateAsync<string>("statestore", "t", cancellationToken: Ct)).ShouldBe("kept");
        (await env.Client.GetStateAsync<int?>("statestore", "fresh", cancellationToken: Ct)).ShouldBeNull();

        // components-contrib's in-memory Delete runs the same check: no etag + first-write + existing item = mismatch.
        (await http.DeleteAsync("/v1.0/state/statestore/t?concurrency=first-write", Ct)).StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await env.Client.GetStateAsync<string>("statestore", "t", cancellationToken: Ct)).ShouldBe("kept");
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task A_malformed_etag_is_a_mismatch_not_a_bad_request(string type)
    {
        await using var env = await StateEnvironment.StartAsync(type);
        await env.Client.SaveStateAsync("statestore", "m", "v1", cancellationToken: Ct);

        (await env.Client.TrySaveStateAsync("statestore", "m", "v2", "not-a-uuid", cancellationToken: Ct)).ShouldBeFalse();
        (await env.Client.TryDeleteStateAsync("statestore", "m", "not-a-uuid", cancellationToken: Ct)).ShouldBeFalse();

        using var http = new HttpClient { BaseAddress = new Uri(env.Sidecar.HttpEndpoint) };
        var save = await http.PostAsJsonAsync("/v1.0/state/statestore", new[] { new { key = "m", value = "v3", etag = "not-a-uuid" } }, Ct);
        save.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        using var delete = new HttpRequestMessage(HttpMethod.Delete, "/v1.0/state/statestore/m");
        delete.Headers.TryAddWithoutValidation("If-Match", "not-a-uuid");
        (await http.SendAsync(delete, Ct)).StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await env.Client.GetStateAsync<string>("statestore", "m", cancellationToken: Ct)).ShouldBe("v1");
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task A_key_containing_the_separator_is_refused_so_actor_state_cannot_be_reached(string type)
    {
        await using var env = await StateEnvironment.StartAsync(type);
        // With the app-id prefix this key would be "{appId}||Probe||a1||balance": an actor's state key.
        const string actorKey = "Probe||a1||balance";
        using var http = new HttpClient { BaseAddress = new Uri(env.Sidecar.HttpEndpoint) };

        var save = await http.PostAsJsonAsync("/v1.0/state/statestore", new[] { new { key = actorKey, value = 1_000_000 } }, Ct);
        save.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var body = JsonNode.Parse(await save.Content.ReadAsStringAsync(Ct))!;
        body["errorCode"]!.GetValue<string>().ShouldBe("ERR_MALFORMED_REQUEST");
        body["message"]!.GetValue<string>().ShouldBe($"input key/keyPrefix '{actorKey}' can't contain '||'");
        var details = body["details"]!.AsArray();
        details.Select(d => d!["@type"]!.GetValue<string>()).ShouldBe(
            ["type.googleapis.com/google.rpc.BadRequest", "type.googleapis.com/google.rpc.ResourceInfo", "type.googleapis.com/google.rpc.ErrorInfo"]);
        details[0]!["field_violations"]![0]!["field"]!.GetValue<string>().ShouldBe(actorKey);
        details[1]!["resource_name"]!.GetValue<string>().ShouldBe("statestore");
        details[2]!["reason"]!.GetValue<string>().ShouldBe("DAPR_STATE_ILLEGAL_KEY");
        details[2]!["domain"]!.GetValue<string>().ShouldBe("dapr.io");

        (await http.GetAsync($"/v1.0/state/statestore/{Uri.EscapeDataString(actorKey)}", Ct)).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await http.PostAsJsonAsync("/v1.0/state/statestore/transaction", new { operations = new[] { new { operation = "upsert", request = new { key = actorKey, value = 1 } } } }, Ct))
            .StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await http.PostAsJsonAsync("/v1.0/state/statestore/bulk", new { keys = new[] { "fine", actorKey } }, Ct)).StatusCode.ShouldBe(HttpStatusCode.BadRequest);

        var grpc = await Should.ThrowAsync<DaprException>(() => env.Client.SaveStateAsync("statestore", actorKey, 1, cancellationToken: Ct));
        var rpc = grpc.InnerException.ShouldBeOfType<RpcException>();
        rpc.StatusCode.ShouldBe(StatusCode.InvalidArgument);
        rpc.GetRpcStatus()!.GetDetail<ErrorInfo>()!.Reason.ShouldBe("DAPR_STATE_ILLEGAL_KEY");
        (await Should.ThrowAsync<DaprException>(() => env.Client.DeleteStateAsync("statestore", actorKey, cancellationToken: Ct)))
            .InnerException.ShouldBeOfType<RpcException>().StatusCode.ShouldBe(StatusCode.InvalidArgument);

        (await env.Sidecar.Runtime.State.Stores["statestore"].Store.GetAsync($"{env.Sidecar.AppId}||{actorKey}", Ct)).ShouldBeNull();
    }

    [Fact]
    public async Task An_unknown_store_carries_daprs_error_info_on_both_transports()
    {
        await using var env = await StateEnvironment.StartAsync("state.in-memory");
        var error = await Should.ThrowAsync<DaprException>(() => env.Client.GetStateAsync<string>("nope", "k", cancellationToken: Ct));
        var info = error.InnerException.ShouldBeOfType<RpcException>().GetRpcStatus()!.GetDetail<ErrorInfo>()!;
        info.Reason.ShouldBe("DAPR_STATE_NOT_FOUND");
        info.Domain.ShouldBe("dapr.io");
        info.Metadata["appID"].ShouldBe(env.Sidecar.AppId);

        using var http = new HttpClient { BaseAddress = new Uri(env.Sidecar.HttpEndpoint) };
        var body = JsonNode.Parse(await (await http.GetAsync("/v1.0/state/nope/k", Ct)).Content.ReadAsStringAsync(Ct))!;
        body["errorCode"]!.GetValue<string>().ShouldBe("ERR_STATE_STORE_NOT_FOUND");
        body["details"]![0]!["reason"]!.GetValue<string>().ShouldBe("DAPR_STATE_NOT_FOUND");
        body["details"]![0]!["metadata"]!["appID"]!.GetValue<string>().ShouldBe(env.Sidecar.AppId);
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Ttl_expire_time_is_rfc3339_in_whole_seconds_on_get_and_on_every_bulk_item(string type)
    {
        await using var env = await StateEnvironment.StartAsync(type);
        var ttl = new Dictionary<string, string> { ["ttlInSeconds"] = "3600" };
        await env.Client.SaveStateAsync("statestore", "ttl", "v", metadata: ttl, cancellationToken: Ct);
        await env.Client.SaveStateAsync("statestore", "forever", "v", cancellationToken: Ct);
        const string Rfc3339Seconds = @"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$";

        using var http = new HttpClient { BaseAddress = new Uri(env.Sidecar.HttpEndpoint) };
        var get = await http.GetAsync("/v1.0/state/statestore/ttl", Ct);
        string expires = get.Headers.GetValues("metadata.ttlExpireTime").Single();
        expires.ShouldMatch(Rfc3339Seconds);
        DateTimeOffset.Parse(expires, System.Globalization.CultureInfo.InvariantCulture).ShouldBeInRange(DateTimeOffset.UtcNow.AddMinutes(58), DateTimeOffset.UtcNow.AddMinutes(61));

        var bulk = JsonNode.Parse(await (await http.PostAsJsonAsync("/v1.0/state/statestore/bulk", new { keys = new[] { "ttl", "forever" } }, Ct)).Content.ReadAsStringAsync(Ct))!.AsArray();
        bulk[0]!["metadata"]!["ttlExpireTime"]!.GetValue<string>().ShouldBe(expires);
        bulk[1]!.AsObject().ContainsKey("metadata").ShouldBeFalse();

        using var channel = GrpcChannel.ForAddress(env.Sidecar.GrpcEndpoint);
        var grpc = new Autogen.Dapr.DaprClient(channel);
        (await grpc.GetStateAsync(new Autogen.GetStateRequest { StoreName = "statestore", Key = "ttl" }, cancellationToken: Ct)).Metadata["ttlExpireTime"].ShouldBe(expires);
        var items = (await grpc.GetBulkStateAsync(new Autogen.GetBulkStateRequest { StoreName = "statestore", Keys = { "ttl", "forever" } }, cancellationToken: Ct)).Items;
        items.Single(i => i.Key == "ttl").Metadata["ttlExpireTime"].ShouldBe(expires);
        items.Single(i => i.Key == "forever").Metadata.ShouldBeEmpty();
    }
}
