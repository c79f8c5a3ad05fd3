using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Dapr;
using Dapr.Client;
using Grpc.Core;
using LedgerX.LocalDapr.Hosting;
using LedgerX.LocalDapr.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace LedgerX.LocalDapr.Tests.PubSub;

public sealed record TransactionPosted(Guid EventId, string AccountId, long AmountMinor);

public sealed class PublishTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Outbox_style_publish_keeps_the_event_id_as_cloudevent_id_and_is_delivered_unwrapped()
    {
        await using var env = await PubSubEnvironment.StartAsync((web, app) =>
            web.MapPost("/transactions", async (HttpContext c) =>
            {
                await app.RecordAsync(c);
                return Results.Ok();
            }).WithTopic("pubsub", "transaction.posted.v1"), appId: "transaction-service");

        var evt = new TransactionPosted(Guid.NewGuid(), "acc-1", 500);
        using (var activity = new Activity("publish").SetIdFormat(ActivityIdFormat.W3C).Start())
        {
            await env.Client.PublishEventAsync("pubsub", "transaction.posted.v1", evt, new Dictionary<string, string> { ["cloudevent.id"] = evt.EventId.ToString() }, Ct);
        }

        var published = env.Sidecar.PubSub.Published.ShouldHaveSingleItem();
        var ce = published.CloudEvent.ShouldNotBeNull();
        ce["id"]!.GetValue<string>().ShouldBe(evt.EventId.ToString());
        ce["specversion"]!.GetValue<string>().ShouldBe("1.0");
        ce["source"]!.GetValue<string>().ShouldBe("transaction-service");
        ce["type"]!.GetValue<string>().ShouldBe("com.dapr.event.sent");
        ce["datacontenttype"]!.GetValue<string>().ShouldBe("application/json");
        ce["topic"]!.GetValue<string>().ShouldBe("transaction.posted.v1");
        ce["pubsubname"]!.GetValue<string>().ShouldBe("pubsub");
        ce["data"]!["accountId"]!.GetValue<string>().ShouldBe("acc-1");
        ce["traceparent"]!.GetValue<string>().ShouldStartWith("00-");
        ce["traceid"]!.GetValue<string>().ShouldBe(ce["traceparent"]!.GetValue<string>());
        // components-contrib always writes tracestate (empty without one) and time as Go's time.RFC3339: whole seconds.
        ce["tracestate"]!.GetValue<string>().ShouldBe("");
        ce["time"]!.GetValue<string>().ShouldMatch(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$");

        var received = (await env.App.WaitForAsync(r => r.Path == "/transactions")).Single();
        JsonNode.Parse(received.Body)!["eventId"]!.GetValue<string>().ShouldBe(evt.EventId.ToString());
        received.ContentType.ShouldStartWith("application/json");
        received.Headers["pubsubname"].ShouldBe("pubsub");
        (await env.Sidecar.PubSub.WaitForDeliveryAsync(d => d.CloudEventId == evt.EventId.ToString(), TimeSpan.FromSeconds(5), Ct)).Outcome.ShouldBe(LedgerX.LocalDapr.PubSub.DeliveryOutcome.Success);
    }

    [Fact]
    public async Task Cloudevent_metadata_overrides_source_type_and_subject()
    {
        await using var env = await PubSubEnvironment.StartAsync((_, _) => { });
        await env.Client.PublishEventAsync("pubsub", "t", new { a = 1 }, new Dictionary<string, string>
        {
            ["CloudEvent.Source"] = "ledger",
            ["cloudevent.type"] = "transaction.posted",
            ["cloudevent.subject"] = "acc-9",
        }, Ct);

        var ce = env.Sidecar.PubSub.Published.Single().CloudEvent!;
        ce["source"]!.GetValue<string>().ShouldBe("ledger");
        ce["type"]!.GetValue<string>().ShouldBe("transaction.posted");
        ce["subject"]!.GetValue<string>().ShouldBe("acc-9");
        Guid.TryParse(ce["id"]!.GetValue<string>(), out _).ShouldBeTrue();
    }

    [Fact]
    public async Task An_http_publish_carries_the_callers_tracestate_into_the_cloudevent()
    {
        await using var env = await PubSubEnvironment.StartAsync((_, _) => { });
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{env.Sidecar.HttpEndpoint}/v1.0/publish/pubsub/traced")
        {
            Content = new StringContent("""{"n":1}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.TryAddWithoutValidation("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
        request.Headers.TryAddWithoutValidation("tracestate", "congo=t61rcWkgMzE");
        (await http.SendAsync(request, Ct)).EnsureSuccessStatusCode();

        var ce = env.Sidecar.PubSub.Published.Single().CloudEvent!;
        ce["tracestate"]!.GetValue<string>().ShouldBe("congo=t61rcWkgMzE");
        ce["traceparent"]!.GetValue<string>().ShouldContain("0af7651916cd43dd8448eb211c80319c");
    }

    [Fact]
    public async Task RawPayload_publish_stores_the_bytes_unchanged_and_a_raw_subscriber_gets_them_back()
    {
        await using var env = await PubSubEnvironment.StartAsync((web, app) =>
            web.MapPost("/raw", async (HttpContext c) =>
            {
                await app.RecordAsync(c);
                return Results.Ok();
            }).WithTopic("pubsub", "rawtopic", enableRawPayload: true));

        await env.Client.PublishByteEventAsync("pubsub", "rawtopic", Encoding.UTF8.GetBytes("plain bytes"), "text/plain", new Dictionary<string, string> { ["rawPayload"] = "true" }, Ct);

        Encoding.UTF8.GetString(env.Sidecar.PubSub.Published.Single().StoredData).ShouldBe("plain bytes");
        (await env.App.WaitForAsync(r => r.Path == "/raw")).Single().Body.ShouldBe("plain bytes");
    }

    [Fact]
    public async Task TtlInSeconds_adds_an_expiration_and_an_expired_event_is_not_delivered()
    {
        await using var env = await PubSubEnvironment.StartAsync((web, app) =>
            web.MapPost("/ttl", async (HttpContext c) =>
            {
                await app.RecordAsync(c);
                return Results.Ok();
            }).WithTopic("pubsub", "ttl"));

        await env.Client.PublishEventAsync("pubsub", "ttl", new { fresh = true }, new Dictionary<string, string> { ["ttlInSeconds"] = "60" }, Ct);
        env.Sidecar.PubSub.Published.Single().CloudEvent!["expiration"].ShouldNotBeNull();
        await env.App.WaitForAsync(r => r.Path == "/ttl");

        // A caller-built CloudEvent whose expiration has passed is dropped at delivery, as daprd's pkg/runtime/subscription/subscription.go checks HasExpired.
        var expired = new JsonObject { ["id"] = "old-1", ["specversion"] = "1.0", ["source"] = "x", ["type"] = "t", ["datacontenttype"] = "application/json", ["data"] = new JsonObject { ["fresh"] = false }, ["expiration"] = DateTimeOffset.UtcNow.AddMinutes(-1).ToString("O") };
        await env.Client.PublishByteEventAsync("pubsub", "ttl", Encoding.UTF8.GetBytes(expired.ToJsonString()), "application/cloudevents+json", cancellationToken: Ct);
        var record = await env.Sidecar.PubSub.WaitForDeliveryAsync(d => d.CloudEventId == "old-1", TimeSpan.FromSeconds(5), Ct);
        record.Outcome.ShouldBe(LedgerX.LocalDapr.PubSub.DeliveryOutcome.Expired);
        env.App.Received.Count(r => r.Path == "/ttl").ShouldBe(1);
    }

    [Fact]
    public async Task Caller_built_cloudevent_keeps_its_fields_and_gets_topic_and_pubsubname()
    {
        await using var env = await PubSubEnvironment.StartAsync((_, _) => { });
        await env.Client.PublishEventAsync("pubsub", "ce", new CloudEvent<TransactionPosted>(new TransactionPosted(Guid.NewGuid(), "a", 1)) { Source = new Uri("urn:ledger"), Type = "posted" }, Ct);

        var ce = env.Sidecar.PubSub.Published.Single().CloudEvent!;
        ce["source"]!.GetValue<string>().ShouldBe("urn:ledger");
        ce["type"]!.GetValue<string>().ShouldBe("posted");
        ce["topic"]!.GetValue<string>().ShouldBe("ce");
        ce["pubsubname"]!.GetValue<string>().ShouldBe("pubsub");
        ce.ContainsKey("id").ShouldBeFalse();
    }

    [Fact]
    public async Task Bulk_publish_delivers_every_entry_even_when_reflection_is_token_protected()
    {
        var folder = new ResourceFolder().WithComponent("pubsub", "pubsub.in-memory");
        await using var app = await SubscriberApp.StartAsync((web, a) =>
            web.MapPost("/bulk", async (HttpContext c) =>
            {
                await a.RecordAsync(c);
                return Results.Ok();
            }).WithTopic("pubsub", "bulk"));
        await using var sidecar = await LocalDaprSidecar.StartAsync(new SidecarOptions { AppId = "bulk-app", AppPort = app.Port, ResourcesPaths = [folder.Path], ApiToken = "tok" }, Ct);
        using var client = Clients.For(sidecar, "tok");

        var result = await client.BulkPublishEventAsync("pubsub", "bulk", new List<TransactionPosted> { new(Guid.NewGuid(), "a", 1), new(Guid.NewGuid(), "b", 2), new(Guid.NewGuid(), "c", 3) }, cancellationToken: Ct);

        result.FailedEntries.ShouldBeEmpty();
        (await app.WaitForAsync(r => r.Path == "/bulk", count: 3)).Count.ShouldBe(3);
        folder.Dispose();
    }

    [Fact]
    public async Task Unknown_pubsub_is_InvalidArgument_and_404_over_http()
    {
        await using var env = await PubSubEnvironment.StartAsync((_, _) => { });
        var error = await Should.ThrowAsync<DaprException>(() => env.Client.PublishEventAsync("nope", "t", new { }, Ct));
        var rpc = error.InnerException.ShouldBeOfType<RpcException>();
        rpc.StatusCode.ShouldBe(StatusCode.InvalidArgument);
        rpc.Status.Detail.ShouldBe("pubsub nope is not found");

        using var http = new HttpClient();
        var response = await http.PostAsync($"{env.Sidecar.HttpEndpoint}/v1.0/publish/nope/t", new StringContent("{}", Encoding.UTF8, "application/json"), Ct);
        response.StatusCode.ShouldBe(System.Net.HttpStatusCode.NotFound);
        (await response.Content.ReadAsStringAsync(Ct)).ShouldContain("ERR_PUBSUB_NOT_FOUND");
    }

    [Fact]
    public async Task Pubsub_errors_carry_daprs_error_details_over_grpc_and_http()
    {
        await using var env = await PubSubEnvironment.StartAsync((_, _) => { }, appId: "details-publisher");
        using var channel = Grpc.Net.Client.GrpcChannel.ForAddress(env.Sidecar.GrpcEndpoint);
        var dapr = new global::Dapr.Client.Autogen.Grpc.v1.Dapr.DaprClient(channel);

        // Not found: ErrorInfo only (pkg/api/errors/pubsub.go skips ResourceInfo), no request metadata over gRPC.
        var notFound = await Should.ThrowAsync<RpcException>(async () => await dapr.PublishEventAsync(new() { PubsubName = "nope", Topic = "t" }, cancellationToken: Ct));
        var notFoundStatus = notFound.GetRpcStatus()!;
        notFoundStatus.GetDetail<Google.Rpc.ResourceInfo>().ShouldBeNull();
        notFoundStatus.GetDetail<Google.Rpc.ErrorInfo>()!.Reason.ShouldBe("DAPR_PUBSUB_NOT_FOUND");
        notFoundStatus.GetDetail<Google.Rpc.ErrorInfo>()!.Domain.ShouldBe("dapr.io");

        // Empty topic: ResourceInfo naming the pubsub, ErrorInfo with the request's metadata.
        var empty = await Should.ThrowAsync<RpcException>(async () => await dapr.PublishEventAsync(new() { PubsubName = "pubsub", Topic = "", Metadata = { ["tenant"] = "t1" } }, cancellationToken: Ct));
        var emptyStatus = empty.GetRpcStatus()!;
        emptyStatus.GetDetail<Google.Rpc.ResourceInfo>()!.ResourceName.ShouldBe("pubsub");
        emptyStatus.GetDetail<Google.Rpc.ResourceInfo>()!.ResourceType.ShouldBe("pubsub");
        emptyStatus.GetDetail<Google.Rpc.ErrorInfo>()!.Reason.ShouldBe("DAPR_PUBSUB_TOPIC_NAME_EMPTY");
        emptyStatus.GetDetail<Google.Rpc.ErrorInfo>()!.Metadata["tenant"].ShouldBe("t1");

        // HTTP: the same details as details[] next to errorCode, the query metadata in the ErrorInfo.
        using var http = new HttpClient();
        var response = await http.PostAsync($"{env.Sidecar.HttpEndpoint}/v1.0/publish/nope/t?metadata.tenant=t2", new StringContent("{}", Encoding.UTF8, "application/json"), Ct);
        response.StatusCode.ShouldBe(System.Net.HttpStatusCode.NotFound);
        var body = System.Text.Json.Nodes.JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!;
        body["errorCode"]!.GetValue<string>().ShouldBe("ERR_PUBSUB_NOT_FOUND");
        var info = body["details"]!.AsArray().Single()!;
        info["reason"]!.GetValue<string>().ShouldBe("DAPR_PUBSUB_NOT_FOUND");
        info["metadata"]!["tenant"]!.GetValue<string>().ShouldBe("t2");
    }

    [Fact]
    public async Task Http_publish_with_query_metadata_builds_the_same_envelope()
    {
        await using var env = await PubSubEnvironment.StartAsync((_, _) => { }, appId: "http-publisher");
        using var http = new HttpClient();
        var response = await http.PostAsync($"{env.Sidecar.HttpEndpoint}/v1.0/publish/pubsub/orders?metadata.cloudevent.id=abc", new StringContent("""{"n":1}""", Encoding.UTF8, "application/json"), Ct);
        response.StatusCode.ShouldBe(System.Net.HttpStatusCode.NoContent);
        var ce = env.Sidecar.PubSub.Published.Single().CloudEvent!;
        ce["id"]!.GetValue<string>().ShouldBe("abc");
        ce["source"]!.GetValue<string>().ShouldBe("http-publisher");
        ce["data"]!["n"]!.GetValue<int>().ShouldBe(1);
    }
}
