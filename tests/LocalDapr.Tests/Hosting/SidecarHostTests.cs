using Dapr;
using Dapr.Client;
using Grpc.Core;
using Grpc.Net.Client;
using Grpc.Reflection.V1;
using LedgerX.LocalDapr.Hosting;
using LedgerX.LocalDapr.Tests.Infrastructure;

namespace LedgerX.LocalDapr.Tests.Hosting;

public sealed class SidecarHostTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Health_endpoints_answer_204_and_the_sdk_sees_a_healthy_sidecar()
    {
        await using var sidecar = await LocalDaprSidecar.StartAsync(new SidecarOptions { AppId = "health-app" }, Ct);
        using var client = Clients.For(sidecar);
        using var http = new HttpClient();

        (await http.GetAsync($"{sidecar.HttpEndpoint}/v1.0/healthz", Ct)).StatusCode.ShouldBe(System.Net.HttpStatusCode.NoContent);
        (await http.GetAsync($"{sidecar.HttpEndpoint}/v1.0/healthz/outbound", Ct)).StatusCode.ShouldBe(System.Net.HttpStatusCode.NoContent);
        (await client.CheckHealthAsync(Ct)).ShouldBeTrue();
        await client.WaitForSidecarAsync(Ct);
    }

    [Fact]
    public async Task An_app_that_refuses_the_dapr_routes_still_gets_a_healthy_sidecar_as_with_daprd()
    {
        // The gateway's authentication answers 401 to everything it does not route, /dapr/subscribe and /dapr/config
        // included; daprd takes both as "none" (only 200 counts), so the sidecar must not stay unhealthy.
        await using var app = await SubscriberApp.StartAsync((web, _) => web.Use(async (context, next) =>
        {
            if (context.Request.Path.StartsWithSegments("/dapr"))
            {
                context.Response.StatusCode = 401;
                return;
            }

            await next(context);
        }));
        await using var sidecar = await LocalDaprSidecar.StartAsync(new SidecarOptions { AppId = "refusing-app-" + Guid.NewGuid().ToString("N")[..6], AppPort = app.Port }, Ct);
        using var http = new HttpClient();

        (await http.GetAsync($"{sidecar.HttpEndpoint}/v1.0/healthz", Ct)).StatusCode.ShouldBe(System.Net.HttpStatusCode.NoContent);
        sidecar.Runtime.PubSub.Subscriptions.ShouldBeEmpty();
    }

    [Fact]
    public async Task Metadata_lists_app_id_and_components_over_grpc_and_http()
    {
        using var resources = new ResourceFolder().WithComponent("statestore", "state.in-memory").WithComponent("pubsub", "pubsub.in-memory");
        await using var sidecar = await LocalDaprSidecar.StartAsync(new SidecarOptions { AppId = "meta-app", ResourcesPaths = [resources.Path] }, Ct);
        using var client = Clients.For(sidecar);

        var metadata = await client.GetMetadataAsync(Ct);
        metadata.Id.ShouldBe("meta-app");
        metadata.Components.Select(c => (c.Name, c.Type)).ShouldBe([("statestore", "state.in-memory"), ("pubsub", "pubsub.in-memory")], ignoreOrder: true);

        await client.SetMetadataAsync("owner", "tests", Ct);
        using var http = new HttpClient();
        string json = await http.GetStringAsync($"{sidecar.HttpEndpoint}/v1.0/metadata", Ct);
        json.ShouldContain("\"id\":\"meta-app\"");
        json.ShouldContain("\"owner\":\"tests\"");

        // The SDK's actor client sends "//v1.0/..."; daprd cleans the path (CleanPathMiddleware), so must we.
        (await http.GetAsync($"{sidecar.HttpEndpoint}//v1.0/metadata", Ct)).StatusCode.ShouldBe(System.Net.HttpStatusCode.OK);
    }

    [Fact]
    public async Task Api_token_is_required_except_for_health()
    {
        using var resources = new ResourceFolder().WithComponent("statestore", "state.in-memory");
        await using var sidecar = await LocalDaprSidecar.StartAsync(new SidecarOptions { AppId = "token-app", ResourcesPaths = [resources.Path], ApiToken = "s3cret" }, Ct);
        using var http = new HttpClient();

        (await http.GetAsync($"{sidecar.HttpEndpoint}/v1.0/healthz", Ct)).StatusCode.ShouldBe(System.Net.HttpStatusCode.NoContent);
        var rejected = await http.GetAsync($"{sidecar.HttpEndpoint}/v1.0/metadata", Ct);
        rejected.StatusCode.ShouldBe(System.Net.HttpStatusCode.Unauthorized);
        (await rejected.Content.ReadAsStringAsync(Ct)).ShouldContain("invalid api token");

        using var anonymous = Clients.For(sidecar);
        var error = await Should.ThrowAsync<DaprException>(() => anonymous.SaveStateAsync("statestore", "k", "v", cancellationToken: Ct));
        error.InnerException.ShouldBeOfType<RpcException>().StatusCode.ShouldBe(StatusCode.Unauthenticated);

        using var authorised = Clients.For(sidecar, "s3cret");
        await authorised.SaveStateAsync("statestore", "k", "v", cancellationToken: Ct);
        (await authorised.GetStateAsync<string>("statestore", "k", cancellationToken: Ct)).ShouldBe("v");
    }

    [Fact]
    public async Task SaveBulkStateAsync_is_rejected_under_a_token_because_the_sdk_omits_it_as_daprd_would()
    {
        // Spec §1 "Token-header gaps": SaveBulkStateAsync sends no dapr-api-token; daprd rejects it, so must we.
        using var resources = new ResourceFolder().WithComponent("statestore", "state.in-memory");
        await using var sidecar = await LocalDaprSidecar.StartAsync(new SidecarOptions { AppId = "token-gap-app", ResourcesPaths = [resources.Path], ApiToken = "s3cret" }, Ct);
        using var client = Clients.For(sidecar, "s3cret");

        var error = await Should.ThrowAsync<DaprException>(() => client.SaveBulkStateAsync("statestore", [new SaveStateItem<string>("a", "1", null!)], Ct));
        error.InnerException.ShouldBeOfType<RpcException>().StatusCode.ShouldBe(StatusCode.Unauthenticated);
        await client.SaveStateAsync("statestore", "a", "1", cancellationToken: Ct);
    }

    [Fact]
    public async Task Grpc_reflection_lists_the_dapr_service_with_only_the_served_methods()
    {
        await using var sidecar = await LocalDaprSidecar.StartAsync(new SidecarOptions { AppId = "reflect-app" }, Ct);
        using var channel = GrpcChannel.ForAddress(sidecar.GrpcEndpoint);
        var reflection = new ServerReflection.ServerReflectionClient(channel);
        using var call = reflection.ServerReflectionInfo(cancellationToken: Ct);

        await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = "" }, Ct);
        (await call.ResponseStream.MoveNext(Ct)).ShouldBeTrue();
        call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).ShouldContain("dapr.proto.runtime.v1.Dapr");

        await call.RequestStream.WriteAsync(new ServerReflectionRequest { FileContainingSymbol = "dapr.proto.runtime.v1.Dapr" }, Ct);
        (await call.ResponseStream.MoveNext(Ct)).ShouldBeTrue();
        var files = call.ResponseStream.Current.FileDescriptorResponse.FileDescriptorProto
            .Select(b => Google.Protobuf.Reflection.FileDescriptorProto.Parser.ParseFrom(b)).ToList();
        var service = files.SelectMany(f => f.Service).Single(s => s.Name == "Dapr");
        service.Method.Select(m => m.Name).ShouldContain("BulkPublishEvent");
        service.Method.Select(m => m.Name).ShouldNotContain("ScheduleJobAlpha1");
        await call.RequestStream.CompleteAsync();
    }

    [Fact]
    public async Task Shutdown_api_signals_the_host()
    {
        await using var sidecar = await LocalDaprSidecar.StartAsync(new SidecarOptions { AppId = "shutdown-app" }, Ct);
        using var client = Clients.For(sidecar);
        await client.ShutdownSidecarAsync(Ct);
        await sidecar.ShutdownRequested.WaitAsync(TimeSpan.FromSeconds(5), Ct);
    }
}
