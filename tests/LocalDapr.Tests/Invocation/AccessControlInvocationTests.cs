using System.Net;
using System.Text.Json.Nodes;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using LedgerX.LocalDapr.Hosting;
using LedgerX.LocalDapr.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Autogen = Dapr.Client.Autogen.Grpc.v1;

namespace LedgerX.LocalDapr.Tests.Invocation;

/// <summary>
/// The callee's sidecar applies its Configuration's <c>accessControl</c> to every invocation another sidecar forwards,
/// with the caller's identity from the hop, and refuses as daprd does: HTTP 403 <c>ERR_DIRECT_INVOKE</c>, gRPC
/// <c>InvokeService</c> Internal (daprd wraps the callee's PermissionDenied), gRPC proxy PermissionDenied. Every sidecar
/// has its own DAPR_API_TOKEN here, as under the launcher: hops do not need a shared one.
/// </summary>
public sealed class AccessControlInvocationTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Only_the_app_a_policy_names_may_call_the_operations_it_allows_with_the_verbs_it_lists()
    {
        await using var env = await Ledger.StartAsync();

        var allowed = await env.Fraud.SendAsync(HttpMethod.Post, $"/v1.0/invoke/{env.LedgerId}/method/api/v1/accounts/a1/freeze");
        allowed.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await allowed.Content.ReadAsStringAsync(Ct)).ShouldBe($"frozen by {env.Fraud.Sidecar.AppId}");

        var denied = await env.Analytics.SendAsync(HttpMethod.Post, $"/v1.0/invoke/{env.LedgerId}/method/api/v1/accounts/a1/freeze?reason=x");
        denied.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        var error = JsonNode.Parse(await denied.Content.ReadAsStringAsync(Ct))!;
        error["errorCode"]!.GetValue<string>().ShouldBe("ERR_DIRECT_INVOKE");
        error["message"]!.GetValue<string>().ShouldBe(
            $"failed to invoke, id: {env.LedgerId}, err: rpc error: code = PermissionDenied desc = access control policy has denied access to appid: {env.Analytics.Sidecar.AppId} operation: api/v1/accounts/a1/freeze verb: POST");

        // fraud-service's policy lists POST and GET only; anything else falls to its default (deny).
        (await env.Fraud.SendAsync(HttpMethod.Delete, $"/v1.0/invoke/{env.LedgerId}/method/api/v1/accounts/a1/freeze")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        // The gateway may call anything (its policy's default is allow).
        (await env.Gateway.SendAsync(HttpMethod.Post, $"/v1.0/invoke/{env.LedgerId}/method/api/v1/accounts/a1/freeze")).StatusCode.ShouldBe(HttpStatusCode.OK);

        env.App.Received.Count.ShouldBe(2);
    }

    [Fact]
    public async Task The_dapr_app_id_header_style_is_checked_the_same_way()
    {
        await using var env = await Ledger.StartAsync();

        var denied = await env.Analytics.SendAsync(HttpMethod.Post, "/api/v1/accounts/a2/freeze", ("dapr-app-id", env.LedgerId));
        denied.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await denied.Content.ReadAsStringAsync(Ct)).ShouldContain("operation: api/v1/accounts/a2/freeze verb: POST");

        var allowed = await env.Fraud.SendAsync(HttpMethod.Post, "/api/v1/accounts/a2/freeze", ("dapr-app-id", env.LedgerId));
        allowed.StatusCode.ShouldBe(HttpStatusCode.OK);
        env.App.Received.Single().Path.ShouldBe("/api/v1/accounts/a2/freeze");
    }

    [Fact]
    public async Task Grpc_InvokeService_gets_daprds_wrapped_error_and_an_allowed_call_goes_through()
    {
        await using var env = await Ledger.StartAsync();
        Autogen.InvokeServiceRequest Freeze() => new()
        {
            Id = env.LedgerId,
            Message = new Autogen.InvokeRequest
            {
                Method = "api/v1/accounts/a3/freeze",
                Data = new Any { Value = ByteString.CopyFromUtf8("{}") },
                ContentType = "application/json",
                HttpExtension = new Autogen.HTTPExtension { Verb = Autogen.HTTPExtension.Types.Verb.Post },
            },
        };

        using var analyticsChannel = GrpcChannel.ForAddress(env.Analytics.Sidecar.GrpcEndpoint);
        var failure = await Should.ThrowAsync<RpcException>(async () =>
            await new Autogen.Dapr.DaprClient(analyticsChannel).InvokeServiceAsync(Freeze(), env.Analytics.TokenMetadata, cancellationToken: Ct));
        failure.StatusCode.ShouldBe(StatusCode.Internal);
        failure.Status.Detail.ShouldContain("rpc error: code = PermissionDenied desc = access control policy has denied access to appid: " + env.Analytics.Sidecar.AppId);

        using var fraudChannel = GrpcChannel.ForAddress(env.Fraud.Sidecar.GrpcEndpoint);
        var answer = await new Autogen.Dapr.DaprClient(fraudChannel).InvokeServiceAsync(Freeze(), env.Fraud.TokenMetadata, cancellationToken: Ct);
        answer.Data.Value.ToStringUtf8().ShouldBe($"frozen by {env.Fraud.Sidecar.AppId}");
    }

    [Fact]
    public async Task The_grpc_proxy_checks_the_full_method_name_and_a_self_call_without_identity_gets_the_global_default()
    {
        await using var app = await GrpcCallbackApp.StartAsync();
        string suffix = Guid.NewGuid().ToString("N")[..6];
        string allowedId = "proxy-allowed-" + suffix;
        using var config = new ResourceFolder().With("config.yaml", Configuration($"""
                policies:
                - appId: {allowedId}
                  defaultAction: deny
                  trustDomain: public
                  namespace: default
                  operations:
                  - name: /dapr.proto.runtime.v1.AppCallback/OnInvoke
                    action: allow
            """));
        await using var callee = await LocalDaprSidecar.StartAsync(new SidecarOptions { AppId = "proxy-acl-" + suffix, AppPort = app.Port, AppProtocol = AppProtocol.Grpc, ConfigFile = Path.Combine(config.Path, "config.yaml") }, Ct);
        await using var allowedSidecar = await LocalDaprSidecar.StartAsync(new SidecarOptions { AppId = allowedId }, Ct);
        await using var otherSidecar = await LocalDaprSidecar.StartAsync(new SidecarOptions { AppId = "proxy-other-" + suffix }, Ct);
        var target = new Metadata { { "dapr-app-id", callee.AppId } };

        using (var viaAllowed = new AppCallbackChannel("127.0.0.1", allowedSidecar.GrpcPort, appApiToken: null, maxMessageBytes: 1 << 20))
        {
            var (answer, _) = await viaAllowed.OnInvokeAsync(new Autogen.InvokeRequest { Method = "echo", Data = new Any { Value = ByteString.CopyFromUtf8("ok") } }, target, Ct);
            answer.Data.Value.ToStringUtf8().ShouldBe("ok");
        }

        using (var viaOther = new AppCallbackChannel("127.0.0.1", otherSidecar.GrpcPort, appApiToken: null, maxMessageBytes: 1 << 20))
        {
            var denied = await Should.ThrowAsync<RpcException>(() => viaOther.OnInvokeAsync(new Autogen.InvokeRequest { Method = "echo" }, target, Ct));
            denied.StatusCode.ShouldBe(StatusCode.PermissionDenied);
            denied.Status.Detail.ShouldBe($"access control policy has denied access to appid: {otherSidecar.AppId} operation: /dapr.proto.runtime.v1.AppCallback/OnInvoke verb: NONE");
        }

        // daprd sees no mTLS identity on a call from its own app: the global default (deny) decides.
        using (var own = new AppCallbackChannel("127.0.0.1", callee.GrpcPort, appApiToken: null, maxMessageBytes: 1 << 20))
        {
            var self = await Should.ThrowAsync<RpcException>(() => own.OnInvokeAsync(new Autogen.InvokeRequest { Method = "echo" }, target, Ct));
            self.StatusCode.ShouldBe(StatusCode.PermissionDenied);
            self.Status.Detail.ShouldContain("appid:  operation");
        }

        app.Invocations.Count.ShouldBe(1);
    }

    [Fact]
    public async Task A_policy_missing_its_namespace_stops_the_sidecar_from_starting_as_daprd_exits()
    {
        using var config = new ResourceFolder().With("config.yaml", Configuration("""
                policies:
                - appId: fraud-service
                  trustDomain: public
            """));

        var error = await Should.ThrowAsync<LedgerX.LocalDapr.Resources.ResourceException>(() =>
            LocalDaprSidecar.StartAsync(new SidecarOptions { AppId = "acl-invalid", ConfigFile = Path.Combine(config.Path, "config.yaml"), WaitForApp = false }, Ct));
        error.Message.ShouldContain("missing namespace for apps: [fraud-service]");
    }

    /// <summary>A Configuration whose access control denies by default; <paramref name="policies"/> is YAML under accessControl.</summary>
    private static string Configuration(string policies) => $"""
        apiVersion: dapr.io/v1alpha1
        kind: Configuration
        metadata:
          name: acl
        spec:
          accessControl:
            defaultAction: deny
            trustDomain: public
        {policies}

        """;

    /// <summary>A sidecar without an app that the test calls as its app would, with that sidecar's own API token.</summary>
    private sealed class Caller(LocalDaprSidecar sidecar, string token) : IAsyncDisposable
    {
        private readonly HttpClient _http = new();

        public LocalDaprSidecar Sidecar { get; } = sidecar;

        public Metadata TokenMetadata { get; } = new() { { "dapr-api-token", token } };

        public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, params (string Name, string Value)[] headers)
        {
            using var request = new HttpRequestMessage(method, Sidecar.HttpEndpoint + path) { Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json") };
            request.Headers.Add("dapr-api-token", token);
            foreach (var (name, value) in headers)
            {
                request.Headers.Add(name, value);
            }

            return await _http.SendAsync(request, Ct);
        }

        public async ValueTask DisposeAsync()
        {
            _http.Dispose();
            await Sidecar.DisposeAsync();
        }
    }

    /// <summary>
    /// A ledger app behind a sidecar whose policy lets fraud-service POST/GET <c>/api/v1/accounts/**</c>, lets the gateway
    /// call anything, and denies everyone else; three caller sidecars, each with its own token.
    /// </summary>
    private sealed class Ledger : IAsyncDisposable
    {
        private readonly ResourceFolder _config;
        private readonly LocalDaprSidecar _sidecar;

        private Ledger(ResourceFolder config, SubscriberApp app, LocalDaprSidecar sidecar, Caller fraud, Caller analytics, Caller gateway)
        {
            _config = config;
            _sidecar = sidecar;
            App = app;
            Fraud = fraud;
            Analytics = analytics;
            Gateway = gateway;
        }

        public SubscriberApp App { get; }

        public string LedgerId => _sidecar.AppId;

        public Caller Fraud { get; }

        public Caller Analytics { get; }

        public Caller Gateway { get; }

        public static async Task<Ledger> StartAsync()
        {
            string suffix = Guid.NewGuid().ToString("N")[..6];
            string fraudId = "fraud-" + suffix;
            string gatewayId = "gateway-" + suffix;
            var config = new ResourceFolder().With("config.yaml", Configuration($"""
                    policies:
                    - appId: {fraudId}
                      defaultAction: deny
                      trustDomain: public
                      namespace: default
                      operations:
                      - name: /api/v1/accounts/**
                        httpVerb: ["POST", "GET"]
                        action: allow
                    - appId: {gatewayId}
                      defaultAction: allow
                      trustDomain: public
                      namespace: default
                """));
            var app = await SubscriberApp.StartAsync((web, a) =>
                web.MapMethods("/api/v1/accounts/{id}/freeze", ["POST", "DELETE"], async (HttpContext c) =>
                {
                    await a.RecordAsync(c);
                    return Results.Text($"frozen by {c.Request.Headers["dapr-caller-app-id"]}");
                }));
            var ct = TestContext.Current.CancellationToken;
            var sidecar = await LocalDaprSidecar.StartAsync(new SidecarOptions { AppId = "ledger-" + suffix, AppPort = app.Port, ApiToken = "ledger-token", ConfigFile = Path.Combine(config.Path, "config.yaml") }, ct);
            var fraud = new Caller(await LocalDaprSidecar.StartAsync(new SidecarOptions { AppId = fraudId, ApiToken = "fraud-token" }, ct), "fraud-token");
            var analytics = new Caller(await LocalDaprSidecar.StartAsync(new SidecarOptions { AppId = "analytics-" + suffix, ApiToken = "analytics-token" }, ct), "analytics-token");
            var gateway = new Caller(await LocalDaprSidecar.StartAsync(new SidecarOptions { AppId = gatewayId, ApiToken = "gateway-token" }, ct), "gateway-token");
            return new Ledger(config, app, sidecar, fraud, analytics, gateway);
        }

        public async ValueTask DisposeAsync()
        {
            await Fraud.DisposeAsync();
            await Analytics.DisposeAsync();
            await Gateway.DisposeAsync();
            await _sidecar.DisposeAsync();
            await App.DisposeAsync();
            _config.Dispose();
        }
    }
}
