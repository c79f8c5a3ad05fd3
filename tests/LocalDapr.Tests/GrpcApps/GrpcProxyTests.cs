using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using LedgerX.LocalDapr.Hosting;
using LedgerX.LocalDapr.Tests.Infrastructure;
using Autogen = Dapr.Client.Autogen.Grpc.v1;

namespace LedgerX.LocalDapr.Tests.GrpcApps;

/// <summary>
/// daprd's gRPC proxy: a call to any service the sidecar does not serve, addressed by <c>dapr-app-id</c> metadata,
/// reaches the target app's gRPC port through the target's sidecar. The app's AppCallback service stands in for
/// "any service" here (the sidecar's gRPC port does not serve it), called through the caller's sidecar.
/// </summary>
public sealed class GrpcProxyTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_call_addressed_by_dapr_app_id_reaches_the_target_app_through_both_sidecars_with_the_callers_identity()
    {
        await using var app = await GrpcCallbackApp.StartAsync(b => b.OnInvoke = r => r.Method == "fail"
            ? throw new Google.Rpc.Status { Code = (int)StatusCode.FailedPrecondition, Message = "account frozen", Details = { Any.Pack(new ErrorInfo { Reason = "FROZEN", Domain = "ledgerx.test" }) } }.ToRpcException()
            : new Autogen.InvokeResponse { Data = r.Data, ContentType = "text/plain" });
        string suffix = Guid.NewGuid().ToString("N")[..6];
        await using var callee = await LocalDaprSidecar.StartAsync(new SidecarOptions { AppId = "proxy-target-" + suffix, AppPort = app.Port, AppProtocol = AppProtocol.Grpc, AppApiToken = "app-secret" }, Ct);
        await using var caller = await LocalDaprSidecar.StartAsync(new SidecarOptions { AppId = "proxy-caller-" + suffix }, Ct);
        using var viaCaller = new AppCallbackChannel("127.0.0.1", caller.GrpcPort, appApiToken: null, maxMessageBytes: 1 << 20);

        var (answer, _) = await viaCaller.OnInvokeAsync(Invoke("echo", "hello"), new Metadata { { "dapr-app-id", callee.AppId }, { "x-tenant", "t1" } }, Ct);

        answer.Data.Value.ToStringUtf8().ShouldBe("hello");
        var received = app.Invocations.Single();
        received.Metadata["x-tenant"].ShouldBe("t1");
        received.Metadata["dapr-caller-app-id"].ShouldBe(caller.AppId);
        received.Metadata["dapr-callee-app-id"].ShouldBe(callee.AppId);
        // The app sees its own APP_API_TOKEN, never a caller's token or the sidecars' hop headers.
        received.Metadata["dapr-api-token"].ShouldBe("app-secret");
        received.Metadata.Keys.ShouldNotContain(k => k.StartsWith("x-localdapr-", StringComparison.Ordinal));

        // The app's status, message and details come back unchanged.
        var failure = await Should.ThrowAsync<RpcException>(() => viaCaller.OnInvokeAsync(Invoke("fail", ""), new Metadata { { "dapr-app-id", callee.AppId } }, Ct));
        failure.StatusCode.ShouldBe(StatusCode.FailedPrecondition);
        failure.Status.Detail.ShouldBe("account frozen");
        failure.GetRpcStatus()!.GetDetail<ErrorInfo>()!.Reason.ShouldBe("FROZEN");
    }

    [Fact]
    public async Task A_call_to_the_sidecars_own_app_id_goes_straight_to_its_app()
    {
        await using var app = await GrpcCallbackApp.StartAsync();
        await using var sidecar = await LocalDaprSidecar.StartAsync(new SidecarOptions { AppId = "proxy-self-" + Guid.NewGuid().ToString("N")[..6], AppPort = app.Port, AppProtocol = AppProtocol.Grpc }, Ct);
        using var client = new AppCallbackChannel("127.0.0.1", sidecar.GrpcPort, appApiToken: null, maxMessageBytes: 1 << 20);

        await client.OnInvokeAsync(Invoke("echo", "x"), new Metadata { { "dapr-app-id", sidecar.AppId } }, Ct);

        app.Invocations.Single().Metadata["dapr-caller-app-id"].ShouldBe(sidecar.AppId);
        app.Invocations.Single().Metadata.ContainsKey("dapr-api-token").ShouldBeFalse();
    }

    [Fact]
    public async Task Without_a_target_an_unknown_app_or_a_forged_hop_the_call_fails_as_daprd_fails_it()
    {
        await using var app = await GrpcCallbackApp.StartAsync();
        await using var sidecar = await LocalDaprSidecar.StartAsync(new SidecarOptions { AppId = "proxy-errors-" + Guid.NewGuid().ToString("N")[..6], AppPort = app.Port, AppProtocol = AppProtocol.Grpc }, Ct);
        using var client = new AppCallbackChannel("127.0.0.1", sidecar.GrpcPort, appApiToken: null, maxMessageBytes: 1 << 20);

        var noTarget = await Should.ThrowAsync<RpcException>(() => client.OnInvokeAsync(Invoke("echo", "x"), [], Ct));
        noTarget.StatusCode.ShouldBe(StatusCode.Unknown);
        noTarget.Status.Detail.ShouldContain("required metadata dapr-callee-app-id or dapr-app-id not found");

        var unknown = await Should.ThrowAsync<RpcException>(() => client.OnInvokeAsync(Invoke("echo", "x"), new Metadata { { "dapr-app-id", "nobody-" + Guid.NewGuid().ToString("N")[..6] } }, Ct));
        unknown.Status.Detail.ShouldContain("couldn't find service");

        // An app cannot pose as another app's sidecar to claim a caller id.
        var forged = await Should.ThrowAsync<RpcException>(() => client.OnInvokeAsync(
            Invoke("echo", "x"),
            new Metadata { { "dapr-app-id", sidecar.AppId }, { "x-localdapr-forwarded-by", "someone-else" }, { "x-localdapr-hop-token", "guess" } },
            Ct));
        forged.StatusCode.ShouldBe(StatusCode.PermissionDenied);
        app.Invocations.ShouldBeEmpty();
    }

    private static Autogen.InvokeRequest Invoke(string method, string data) =>
        new() { Method = method, Data = new Any { Value = ByteString.CopyFromUtf8(data) } };
}
