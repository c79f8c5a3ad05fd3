using Dapr.DurableTask.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using LedgerX.LocalDapr.Hosting;

namespace LedgerX.LocalDapr.Tests.Workflow;

/// <summary>
/// One app connection may hold more than Kestrel's default of 100 concurrent calls, as against daprd (grpc-go sets no
/// limit): an app's single channel carries its worker's stream, its completions and its clients' blocking waits, and
/// past the limit the client queues new calls (a turn's result) behind the waits.
/// </summary>
public sealed class WorkflowGrpcStreamsTests
{
    private static CancellationToken Ct => WorkflowTestTimeout.Token;

    [Fact]
    public async Task A_call_is_answered_while_150_blocking_waits_are_open_on_the_same_connection()
    {
        await using var sidecar = await LocalDaprSidecar.StartAsync(new SidecarOptions { AppId = "many-streams-app" }, Ct);
        using var handler = new SocketsHttpHandler { EnableMultipleHttp2Connections = false };
        using var channel = GrpcChannel.ForAddress(sidecar.GrpcEndpoint, new GrpcChannelOptions { HttpHandler = handler });
        var client = new TaskHubSidecarService.TaskHubSidecarServiceClient(channel);
        using var waiting = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var waits = Enumerable.Range(0, 150)
            .Select(i => client.WaitForInstanceCompletionAsync(new GetInstanceRequest { InstanceId = $"never-{i}" }, cancellationToken: waiting.Token).ResponseAsync)
            .ToList();
        await Task.Delay(500, Ct);

        var answer = await client.GetInstanceAsync(new GetInstanceRequest { InstanceId = "nobody" }, deadline: DateTime.UtcNow.AddSeconds(10), cancellationToken: Ct);

        answer.Exists.ShouldBeFalse();
        waits.ShouldAllBe(w => !w.IsCompleted);
        await waiting.CancelAsync();
        foreach (var wait in waits)
        {
            await Should.ThrowAsync<RpcException>(() => wait);
        }
    }
}
