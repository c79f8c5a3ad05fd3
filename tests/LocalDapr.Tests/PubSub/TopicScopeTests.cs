using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Dapr;
using Dapr.Client;
using Grpc.Core;
using LedgerX.LocalDapr.PubSub;
using LedgerX.LocalDapr.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace LedgerX.LocalDapr.Tests.PubSub;

/// <summary>
/// A pub/sub component's <c>publishingScopes</c>, <c>subscriptionScopes</c>, <c>allowedTopics</c> and
/// <c>protectedTopics</c>, as daprd applies them: a refused publish is 403 / PermissionDenied
/// <c>ERR_PUBSUB_FORBIDDEN</c>, a refused subscription is never created.
/// </summary>
public sealed class TopicScopeTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static TopicScopes Scopes(string appId, params (string Key, string Value)[] metadata) =>
        TopicScopes.From(metadata.ToDictionary(m => m.Key, m => m.Value), appId);

    [Fact]
    public void An_app_listed_in_a_scope_may_use_only_its_topics_and_an_unlisted_app_is_not_restricted()
    {
        var scope = ("publishingScopes", "ledger=transaction.posted.v1, hold.created.v1;fraud=fraud.flagged.v1;mute=");

        Scopes("ledger", scope).MayPublish("transaction.posted.v1").ShouldBeTrue();
        Scopes("ledger", scope).MayPublish("hold.created.v1").ShouldBeTrue();
        Scopes("ledger", scope).MayPublish("fraud.flagged.v1").ShouldBeFalse();
        Scopes("fraud", scope).MayPublish("transaction.posted.v1").ShouldBeFalse();
        // "mute=" lists the empty topic: nothing else.
        Scopes("mute", scope).MayPublish("transaction.posted.v1").ShouldBeFalse();
        Scopes("gateway", scope).MayPublish("transaction.posted.v1").ShouldBeTrue();
        // Publishing scopes say nothing about subscribing.
        Scopes("fraud", scope).MaySubscribe("transaction.posted.v1").ShouldBeTrue();
    }

    [Fact]
    public void Protected_topics_need_a_scope_naming_them_and_allowed_topics_bound_everyone()
    {
        var scopes = new[]
        {
            ("PROTECTEDTOPICS", "transaction.posted.v1"), // metadata names are case-insensitive, as in daprd
            ("subscriptionScopes", "fraud=transaction.posted.v1"),
            ("allowedTopics", "transaction.posted.v1,fraud.flagged.v1"),
        };

        Scopes("fraud", scopes).MaySubscribe("transaction.posted.v1").ShouldBeTrue();
        Scopes("gateway", scopes).MaySubscribe("transaction.posted.v1").ShouldBeFalse();
        Scopes("gateway", scopes).MaySubscribe("fraud.flagged.v1").ShouldBeTrue();
        Scopes("gateway", scopes).MayPublish("anything.else").ShouldBeFalse();
        Scopes("fraud", scopes).MaySubscribe("anything.else").ShouldBeFalse();
    }

    [Fact]
    public async Task A_publish_outside_the_apps_scope_is_refused_over_grpc_http_and_bulk_and_reaches_no_subscriber()
    {
        await using var env = await PubSubEnvironment.StartAsync(
            (web, app) => web.MapPost("/any", async (HttpContext c) =>
            {
                await app.RecordAsync(c);
                return Results.Ok();
            }).WithTopic("pubsub", "transaction.posted.v1"),
            pubsubYaml: Component(("publishingScopes", "scoped-app=own.topic.v1")),
            appId: "scoped-app");

        var error = await Should.ThrowAsync<DaprException>(() => env.Client.PublishEventAsync("pubsub", "transaction.posted.v1", new { n = 1 }, Ct));
        var rpc = error.InnerException.ShouldBeOfType<RpcException>();
        rpc.StatusCode.ShouldBe(StatusCode.PermissionDenied);
        rpc.Status.Detail.ShouldBe("topic transaction.posted.v1 is not allowed for app id scoped-app");

        using var http = new HttpClient();
        var response = await http.PostAsync($"{env.Sidecar.HttpEndpoint}/v1.0/publish/pubsub/transaction.posted.v1", new StringContent("{}", Encoding.UTF8, "application/json"), Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!;
        body["errorCode"]!.GetValue<string>().ShouldBe("ERR_PUBSUB_FORBIDDEN");
        body["details"]![0]!["reason"]!.GetValue<string>().ShouldBe("DAPR_PUBSUB_FORBIDDEN");

        var bulk = await Should.ThrowAsync<DaprException>(() => env.Client.BulkPublishEventAsync("pubsub", "transaction.posted.v1", new List<int> { 1, 2 }, cancellationToken: Ct));
        bulk.InnerException.ShouldBeOfType<RpcException>().StatusCode.ShouldBe(StatusCode.PermissionDenied);

        // Its own topic is fine.
        await env.Client.PublishEventAsync("pubsub", "own.topic.v1", new { n = 2 }, Ct);
        env.Sidecar.PubSub.Published.Select(p => p.Topic).ShouldBe(["own.topic.v1"]);
        env.App.Received.ShouldBeEmpty();
    }

    [Fact]
    public async Task A_subscription_outside_the_apps_scope_is_not_created()
    {
        await using var env = await PubSubEnvironment.StartAsync(
            (web, app) =>
            {
                web.MapPost("/allowed", async (HttpContext c) =>
                {
                    await app.RecordAsync(c);
                    return Results.Ok();
                }).WithTopic("pubsub", "fraud.flagged.v1");
                web.MapPost("/refused", async (HttpContext c) =>
                {
                    await app.RecordAsync(c);
                    return Results.Ok();
                }).WithTopic("pubsub", "transaction.posted.v1");
            },
            pubsubYaml: Component(("subscriptionScopes", "reader-app=fraud.flagged.v1")),
            appId: "reader-app");

        env.Sidecar.Runtime.PubSub.Subscriptions.Select(s => s.Resource.Topic).ShouldBe(["fraud.flagged.v1"]);

        await env.Client.PublishEventAsync("pubsub", "transaction.posted.v1", new { n = 1 }, Ct);
        await env.Client.PublishEventAsync("pubsub", "fraud.flagged.v1", new { n = 2 }, Ct);
        (await env.App.WaitForAsync(r => r.Path == "/allowed")).Count.ShouldBe(1);
        env.App.Received.ShouldNotContain(r => r.Path == "/refused");
    }

    private static string Component(params (string Name, string Value)[] metadata) => Yaml.Component("pubsub", "pubsub.in-memory", metadata);
}
