using System.Net;
using System.Text.Json.Nodes;
using Dapr;
using LedgerX.LocalDapr.Hosting;
using LedgerX.LocalDapr.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace LedgerX.LocalDapr.Tests.Hosting;

/// <summary>The metadata API in daprd's shape: actor runtime and active actors, capabilities, rules without an empty match.</summary>
public sealed class MetadataWireTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Metadata_reports_the_actor_runtime_capabilities_and_rules_as_daprd()
    {
        using var resources = new ResourceFolder()
            .WithComponent("actorstore", "state.in-memory", ("actorStateStore", "true"))
            .WithComponent("pubsub", "pubsub.in-memory")
            .WithComponent("files", "bindings.localstorage", ("rootPath", "out"));
        await using var app = await SubscriberApp.StartAsync((web, _) =>
        {
            web.MapGet("/dapr/config", () => Results.Json(new { entities = new[] { "Meter" } }));
            web.MapPut("/actors/Meter/{id}/method/{method}", () => Results.Ok());
            web.MapPost("/ticks", () => Results.Ok()).WithTopic("pubsub", "ticks");
        });
        await using var sidecar = await LocalDaprSidecar.StartAsync(new SidecarOptions { AppId = "meta-actors", AppPort = app.Port, ResourcesPaths = [resources.Path], WorkingDirectory = resources.Path }, Ct);
        using var http = new HttpClient { BaseAddress = new Uri(sidecar.HttpEndpoint) };
        (await http.PutAsync("/v1.0/actors/Meter/m-1/method/Ping", new StringContent("{}"), Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);

        var json = JsonNode.Parse(await http.GetStringAsync("/v1.0/metadata", Ct))!;

        json["actors"]!.ToJsonString().ShouldBe("""[{"type":"Meter","count":1}]""");
        json["actorRuntime"]!.ToJsonString().ShouldBe("""{"runtimeStatus":"RUNNING","activeActors":[{"type":"Meter","count":1}],"hostReady":true,"placement":"placement: connected"}""");
        var capabilities = json["components"]!.AsArray().ToDictionary(c => c!["name"]!.GetValue<string>(), c => c!["capabilities"]!.AsArray().Select(x => x!.GetValue<string>()).ToArray());
        capabilities["actorstore"].ShouldContain("ACTOR");
        capabilities["actorstore"].ShouldContain("ETAG");
        capabilities["files"].ShouldBe(["OUTPUT_BINDING"]);
        capabilities["pubsub"].ShouldBeEmpty();
        // A default route is a rule with a path and no match key at all (Go omitempty).
        json["subscriptions"]![0]!["rules"]!.ToJsonString().ShouldBe("""[{"path":"/ticks"}]""");
        json.AsObject().ContainsKey("enabledFeatures").ShouldBeFalse();

        using var client = Clients.For(sidecar);
        var grpc = await client.GetMetadataAsync(Ct);
        grpc.Actors.Single().Type.ShouldBe("Meter");
        grpc.Actors.Single().Count.ShouldBe(1);
    }

    [Fact]
    public async Task Without_an_actor_state_store_the_actor_runtime_is_disabled()
    {
        await using var sidecar = await LocalDaprSidecar.StartAsync(new SidecarOptions { AppId = "meta-no-actors" }, Ct);
        using var http = new HttpClient();

        var json = JsonNode.Parse(await http.GetStringAsync($"{sidecar.HttpEndpoint}/v1.0/metadata", Ct))!;

        json["actorRuntime"]!.ToJsonString().ShouldBe("""{"runtimeStatus":"DISABLED","hostReady":false,"placement":"placement: disconnected"}""");
        json.AsObject().ContainsKey("actors").ShouldBeFalse();
        json.AsObject().ContainsKey("components").ShouldBeFalse();
    }
}
