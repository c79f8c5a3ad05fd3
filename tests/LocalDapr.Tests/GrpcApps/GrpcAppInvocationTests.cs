using System.Net;
using System.Text.Json.Nodes;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Grpc.Net.Client;
using LedgerX.LocalDapr.Hosting;
using LedgerX.LocalDapr.Tests.Infrastructure;
using Autogen = Dapr.Client.Autogen.Grpc.v1;

namespace LedgerX.LocalDapr.Tests.GrpcApps;

/// <summary>Service invocation of an <c>appProtocol: grpc</c> app: the sidecar calls its <c>AppCallback/OnInvoke</c> as daprd does.</summary>
public sealed class GrpcAppInvocationTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Http_invoke_reaches_OnInvoke_with_verb_query_content_type_and_metadata_and_returns_its_data()
    {
        await using var app = await GrpcCallbackApp.StartAsync(b => b.OnInvoke = r => new Autogen.InvokeResponse
        {
            Data = new Any { Value = ByteString.CopyFromUtf8($"{r.Method}|{r.HttpExtension.Verb}|{r.HttpExtension.Querystring}|{r.Data.Value.ToStringUtf8()}") },
            ContentType = "text/plain",
        });
        string suffix = Guid.NewGuid().ToString("N")[..6];
        await using var callee = await LocalDaprSidecar.StartAsync(new SidecarOptions { AppId = "grpc-app-" + suffix, AppPort = app.Port, AppProtocol = AppProtocol.Grpc, AppApiToken = "app-secret" }, Ct);
        await using var caller = await LocalDaprSidecar.StartAsync(new SidecarOptions { AppId = "http-caller-" + suffix }, Ct);
        using var http = new HttpClient();

        using var request = new HttpRequestMessage(HttpMethod.Put, $"{caller.HttpEndpoint}/v1.0/invoke/{callee.AppId}/method/orders/42?expand=lines")
        {
            Content = new StringContent("""{"n":1}""", System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("x-custom", "from-caller");
        using var response = await http.SendAsync(request, Ct);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await response.Content.ReadAsStringAsync(Ct)).ShouldBe("""orders/42|Put|expand=lines|{"n":1}""");
        response.Content.Headers.ContentType!.MediaType.ShouldBe("text/plain");
        var call = app.Invocations.Single();
        call.Request.ContentType.ShouldStartWith("application/json");
        call.Metadata["x-custom"].ShouldBe("from-caller");
        call.Metadata["dapr-caller-app-id"].ShouldBe(caller.AppId);
        call.Metadata["dapr-callee-app-id"].ShouldBe(callee.AppId);
        call.Metadata["dapr-api-token"].ShouldBe("app-secret");
        // daprd prefixes the HTTP headers that mean something else in gRPC (isPermanentHTTPHeader).
        call.Metadata["dapr-content-type"].ShouldStartWith("application/json");
        call.Metadata.ContainsKey("traceparent").ShouldBeTrue();
    }

    [Fact]
    public async Task A_grpc_error_of_the_app_is_its_http_mapping_with_the_status_as_json()
    {
        await using var app = await GrpcCallbackApp.StartAsync(b => b.OnInvoke = _ => throw new RpcException(new Grpc.Core.Status(StatusCode.NotFound, "no such order")));
        await using var sidecar = await LocalDaprSidecar.StartAsync(new SidecarOptions { AppId = "grpc-app-" + Guid.NewGuid().ToString("N")[..6], AppPort = app.Port, AppProtocol = AppProtocol.Grpc }, Ct);
        using var http = new HttpClient();

        using var response = await http.PostAsync($"{sidecar.HttpEndpoint}/v1.0/invoke/{sidecar.AppId}/method/orders/9", new StringContent("{}"), Ct);

        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!;
        body["code"]!.GetValue<int>().ShouldBe((int)StatusCode.NotFound);
        body["message"]!.GetValue<string>().ShouldBe("no such order");
    }

    [Fact]
    public async Task Grpc_InvokeService_across_sidecars_passes_the_message_as_is_and_the_apps_status_with_details()
    {
        await using var app = await GrpcCallbackApp.StartAsync(b => b.OnInvoke = r =>
        {
            if (r.Method == "fail")
            {
                var status = new Google.Rpc.Status
                {
                    Code = (int)StatusCode.FailedPrecondition,
                    Message = "account frozen",
                    Details = { Any.Pack(new ErrorInfo { Reason = "ACCOUNT_FROZEN", Domain = "ledgerx.test" }) },
                };
                throw status.ToRpcException();
            }

            return new Autogen.InvokeResponse { Data = new Any { TypeUrl = "type.googleapis.com/google.protobuf.StringValue", Value = r.Data.Value }, ContentType = "application/x-protobuf" };
        });
        string suffix = Guid.NewGuid().ToString("N")[..6];
        await using var callee = await LocalDaprSidecar.StartAsync(new SidecarOptions { AppId = "grpc-app-" + suffix, AppPort = app.Port, AppProtocol = AppProtocol.Grpc }, Ct);
        await using var caller = await LocalDaprSidecar.StartAsync(new SidecarOptions { AppId = "grpc-caller-" + suffix }, Ct);
        using var channel = GrpcChannel.ForAddress(caller.GrpcEndpoint);
        var dapr = new Autogen.Dapr.DaprClient(channel);

        // No http_extension: the normal shape of a gRPC-to-gRPC call, which daprd hands to the app unchanged.
        var ok = await dapr.InvokeServiceAsync(
            new Autogen.InvokeServiceRequest { Id = callee.AppId, Message = new Autogen.InvokeRequest { Method = "echo", Data = Any.Pack(new StringValue { Value = "hi" }) } },
            new Metadata { { "x-tenant", "t1" }, { "x-trace-bin", new byte[] { 1, 2, 3 } } },
            cancellationToken: Ct);

        StringValue.Parser.ParseFrom(ok.Data.Value).Value.ShouldBe("hi");
        ok.ContentType.ShouldBe("application/x-protobuf");
        var received = app.Invocations.Single();
        received.Request.Method.ShouldBe("echo");
        received.Request.HttpExtension.Verb.ShouldBe(Autogen.HTTPExtension.Types.Verb.None);
        received.Metadata["x-tenant"].ShouldBe("t1");
        received.Metadata["dapr-caller-app-id"].ShouldBe(caller.AppId);

        var failure = await Should.ThrowAsync<RpcException>(async () => await dapr.InvokeServiceAsync(
            new Autogen.InvokeServiceRequest { Id = callee.AppId, Message = new Autogen.InvokeRequest { Method = "fail" } }, cancellationToken: Ct));
        failure.StatusCode.ShouldBe(StatusCode.FailedPrecondition);
        failure.Status.Detail.ShouldBe("account frozen");
        failure.GetRpcStatus()!.GetDetail<ErrorInfo>()!.Reason.ShouldBe("ACCOUNT_FROZEN");
    }

    [Fact]
    public async Task A_grpc_app_hosts_no_actors_and_its_sidecar_becomes_ready_without_http()
    {
        await using var app = await GrpcCallbackApp.StartAsync(b => b.ImplementsListTopicSubscriptions = false);
        await using var sidecar = await LocalDaprSidecar.StartAsync(new SidecarOptions { AppId = "grpc-app-" + Guid.NewGuid().ToString("N")[..6], AppPort = app.Port, AppProtocol = AppProtocol.Grpc }, Ct);
        using var http = new HttpClient();

        (await http.GetAsync($"{sidecar.HttpEndpoint}/v1.0/healthz", Ct)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        sidecar.Runtime.PubSub.Subscriptions.ShouldBeEmpty();
    }
}
