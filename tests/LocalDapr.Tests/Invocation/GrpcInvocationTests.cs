using System.Net;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Grpc.Net.Client;
using LedgerX.LocalDapr.Hosting;
using LedgerX.LocalDapr.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Autogen = Dapr.Client.Autogen.Grpc.v1;

namespace LedgerX.LocalDapr.Tests.Invocation;

/// <summary>The gRPC API's <c>InvokeService</c> (to an HTTP app, as daprd) and <c>InvokeActor</c>, as polyglot SDKs call them.</summary>
public sealed class GrpcInvocationTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task InvokeService_reaches_an_http_app_with_verb_query_metadata_and_maps_its_status()
    {
        string suffix = Guid.NewGuid().ToString("N")[..6];
        await using var app = await SubscriberApp.StartAsync((web, a) =>
            web.MapPost("/echo/{n}", async (HttpContext c, string n) =>
            {
                var received = await a.RecordAsync(c);
                return n == "missing"
                    ? Results.NotFound("no such order")
                    : Results.Text($"{n}|{c.Request.Query["q"]}|{c.Request.Headers["x-custom"]}|{received.Body}", "text/plain");
            }));
        await using var callee = await LocalDaprSidecar.StartAsync(new SidecarOptions { AppId = "grpc-callee-" + suffix, AppPort = app.Port }, Ct);
        await using var caller = await LocalDaprSidecar.StartAsync(new SidecarOptions { AppId = "grpc-caller-" + suffix }, Ct);
        using var channel = GrpcChannel.ForAddress(caller.GrpcEndpoint);
        var dapr = new Autogen.Dapr.DaprClient(channel);

        Autogen.InvokeServiceRequest Request(string method) => new()
        {
            Id = callee.AppId,
            Message = new Autogen.InvokeRequest
            {
                Method = method,
                Data = new Any { Value = ByteString.CopyFromUtf8("""{"n":1}""") },
                ContentType = "application/json",
                HttpExtension = new Autogen.HTTPExtension { Verb = Autogen.HTTPExtension.Types.Verb.Post, Querystring = "q=7" },
            },
        };

        using var call = dapr.InvokeServiceAsync(Request("echo/42"), new Metadata { { "x-custom", "from-js" } }, cancellationToken: Ct);
        var response = await call;
        response.Data.Value.ToStringUtf8().ShouldBe("""42|7|from-js|{"n":1}""");
        response.ContentType.ShouldStartWith("text/plain");
        (await call.ResponseHeadersAsync).GetValue("dapr-http-status").ShouldBe("200");
        app.Received.Single().Headers["dapr-caller-app-id"].ShouldBe(caller.AppId);
        app.Received.Single().ContentType.ShouldStartWith("application/json");

        // A call to the sidecar's own app skips the hop: the message's content type must still reach the app.
        using var ownChannel = GrpcChannel.ForAddress(callee.GrpcEndpoint);
        await new Autogen.Dapr.DaprClient(ownChannel).InvokeServiceAsync(Request("echo/self"), cancellationToken: Ct);
        app.Received.Last().ContentType.ShouldStartWith("application/json");
        app.Received.Last().Headers["dapr-caller-app-id"].ShouldBe(callee.AppId);

        var notFound = await Should.ThrowAsync<RpcException>(async () => await dapr.InvokeServiceAsync(Request("echo/missing"), cancellationToken: Ct));
        notFound.StatusCode.ShouldBe(StatusCode.NotFound);
        var info = notFound.GetRpcStatus()!.GetDetail<ErrorInfo>()!;
        info.Metadata["http.code"].ShouldBe("404");
        info.Metadata["http.error_message"].ShouldContain("no such order");

        // No verb: daprd's HTTP channel refuses it.
        var noVerb = Request("echo/1");
        noVerb.Message.HttpExtension = null;
        (await Should.ThrowAsync<RpcException>(async () => await dapr.InvokeServiceAsync(noVerb, cancellationToken: Ct))).Status.Detail.ShouldContain("invalid HTTP verb");
    }

    [Fact]
    public async Task InvokeActor_runs_the_method_in_the_actors_turn_and_returns_its_bytes()
    {
        using var resources = new ResourceFolder().WithComponent("actorstore", "state.in-memory", ("actorStateStore", "true"));
        await using var app = await SubscriberApp.StartAsync((web, _) =>
        {
            web.MapGet("/dapr/config", () => Results.Json(new { entities = new[] { "Counter" } }));
            web.MapPut("/actors/Counter/{id}/method/{method}", async (HttpContext c, string id, string method) =>
            {
                using var reader = new StreamReader(c.Request.Body);
                return Results.Text($"{id}.{method}({await reader.ReadToEndAsync()})");
            });
        });
        await using var sidecar = await LocalDaprSidecar.StartAsync(new SidecarOptions { AppId = "grpc-actors", AppPort = app.Port, ResourcesPaths = [resources.Path] }, Ct);
        using var channel = GrpcChannel.ForAddress(sidecar.GrpcEndpoint);
        var dapr = new Autogen.Dapr.DaprClient(channel);

        var response = await dapr.InvokeActorAsync(new Autogen.InvokeActorRequest { ActorType = "Counter", ActorId = "c-1", Method = "Add", Data = ByteString.CopyFromUtf8("5") }, cancellationToken: Ct);

        response.Data.ToStringUtf8().ShouldBe("c-1.Add(5)");
        var unknown = await Should.ThrowAsync<RpcException>(async () => await dapr.InvokeActorAsync(new Autogen.InvokeActorRequest { ActorType = "Nope", ActorId = "x", Method = "M" }, cancellationToken: Ct));
        unknown.StatusCode.ShouldBe(StatusCode.Internal);
    }
}
