using System.Net;
using LedgerX.LocalDapr.Hosting;
using LedgerX.LocalDapr.Tests.Infrastructure;

namespace LedgerX.LocalDapr.Tests.Hosting;

public sealed class MetricsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Metrics_port_serves_daprd_named_counters_without_a_token()
    {
        using var resources = new ResourceFolder().WithComponent("pubsub", "pubsub.in-memory").WithComponent("statestore", "state.in-memory");
        await using var sidecar = await LocalDaprSidecar.StartAsync(new SidecarOptions { AppId = "metrics-app", ResourcesPaths = [resources.Path], MetricsPort = 0, ApiToken = "tok" }, Ct);
        using var client = Clients.For(sidecar, "tok");

        await client.PublishEventAsync("pubsub", "orders", new { n = 1 }, Ct);
        await client.SaveStateAsync("statestore", "k", "v", cancellationToken: Ct);
        await Should.ThrowAsync<Dapr.DaprException>(() => client.GetStateAsync<string>("nope", "k", cancellationToken: Ct));

        using var http = new HttpClient();
        string metrics = await http.GetStringAsync($"http://127.0.0.1:{sidecar.MetricsPort}/metrics", Ct);
        metrics.ShouldContain("""dapr_component_pubsub_egress_count{app_id="metrics-app",component="pubsub",namespace="",success="true",topic="orders"} 1""");
        metrics.ShouldContain("""dapr_grpc_io_server_completed_rpcs{app_id="metrics-app",grpc_server_method="dapr.proto.runtime.v1.Dapr/SaveState",grpc_server_status="OK"} 1""");
        metrics.ShouldContain("""grpc_server_method="dapr.proto.runtime.v1.Dapr/GetState",grpc_server_status="INVALID_ARGUMENT""");
        metrics.ShouldContain("# TYPE dapr_grpc_io_server_server_latency histogram");

        (await http.GetAsync($"{sidecar.HttpEndpoint}/metrics", Ct)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }
}
