using System.Text.Json;
using LedgerX.LocalDapr.Conformance.Tests.Harness;

namespace LedgerX.LocalDapr.Conformance.Tests.Invoke;

/// <summary>
/// Service invocation as @dapr/dapr 3.18 sees it (js/apps/invoke/app.js): over HTTP (<c>/v1.0/invoke</c>) and gRPC
/// (<c>InvokeService</c> with an HTTP extension, to an HTTP app), with the caller headers daprd adds, and an unknown
/// method answered with the app's 404 (gRPC NotFound). Run once per backend.
/// </summary>
public abstract class InvokeConformance(InvokeAppFixture fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private JsAppRun App => fixture.App;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_method_is_invoked_through_the_sidecar_with_the_callers_identity(bool grpc)
    {
        var answer = await App.CallAsync("/control/invoke", new { grpc, method = "echo", data = new { n = 7, backend = fixture.Backend.ToString() } }, Ct);

        answer.GetProperty("failed").GetBoolean().ShouldBeFalse($"{answer}\n{App.Log}");
        var result = answer.GetProperty("result");
        result.GetProperty("body").GetProperty("n").GetInt32().ShouldBe(7);
        result.GetProperty("caller").GetString().ShouldBe(App.AppId);
        result.GetProperty("callee").GetString().ShouldBe(App.AppId);
    }

    [Theory]
    [InlineData(false, null)]
    [InlineData(true, 5)]
    public async Task An_unknown_method_is_the_apps_404(bool grpc, int? grpcCode)
    {
        var answer = await App.CallAsync("/control/invoke", new { grpc, method = "no-such-method", data = new { } }, Ct);

        answer.GetProperty("failed").GetBoolean().ShouldBeTrue(answer.ToString());
        if (grpc)
        {
            answer.GetProperty("code").GetInt32().ShouldBe(grpcCode!.Value, answer.ToString());
        }
        else
        {
            answer.GetProperty("status").GetInt32().ShouldBe(404, answer.ToString());
        }
    }

    [Fact]
    public async Task An_unknown_app_is_ERR_DIRECT_INVOKE()
    {
        var answer = await App.CallAsync("/control/invoke", new { appId = "nobody-" + Guid.NewGuid().ToString("N")[..6], method = "echo", data = new { } }, Ct);

        answer.GetProperty("status").GetInt32().ShouldBe(500, answer.ToString());
        answer.GetProperty("message").GetString()!.ShouldContain("ERR_DIRECT_INVOKE");
    }
}

public sealed class InvokeConformanceInMemory(InvokeAppInMemory fixture) : InvokeConformance(fixture), IClassFixture<InvokeAppInMemory>;

public sealed class InvokeConformancePostgresRedis(InvokeAppPostgresRedis fixture) : InvokeConformance(fixture), IClassFixture<InvokeAppPostgresRedis>;
