using System.Threading.Channels;
using Dapr.DurableTask.Protobuf;
using Grpc.Core;
using LedgerX.LocalDapr.Workflow;

namespace LedgerX.LocalDapr.Tests.Workflow;

/// <summary>
/// A worker stream attached straight to an engine, with no SDK: the test reads the work items it is handed and
/// answers them however it likes (with or without completion tokens, late, never), which is how SDKs other than
/// .NET's behave and how a stalled worker looks from the engine's side.
/// </summary>
internal sealed class RawWorker : IAsyncDisposable
{
    private readonly Channel<WorkItem> _items = Channel.CreateUnbounded<WorkItem>();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _stream;

    private RawWorker(WorkflowEngine engine)
    {
        _stream = engine.RunWorkerAsync(new Writer(_items.Writer), healthPings: false, _stop.Token);
    }

    public static async Task<RawWorker> ConnectAsync(WorkflowEngine engine, CancellationToken cancellationToken)
    {
        int before = engine.ConnectedWorkers;
        var worker = new RawWorker(engine);
        while (engine.ConnectedWorkers <= before)
        {
            await Task.Delay(5, cancellationToken);
        }

        return worker;
    }

    /// <summary>The next work item that is not a health ping.</summary>
    public async Task<WorkItem> NextAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var item = await _items.Reader.ReadAsync(cancellationToken);
            if (item.RequestCase != WorkItem.RequestOneofCase.HealthPing)
            {
                return item;
            }
        }
    }

    /// <summary>The next work item within ten seconds, so a missing one fails the test in seconds, not at the run's limit.</summary>
    public async Task<WorkItem> NextSoonAsync(CancellationToken cancellationToken)
    {
        using var within = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        within.CancelAfter(TimeSpan.FromSeconds(10));
        return await NextAsync(within.Token);
    }

    public bool TryNext(out WorkItem? item) => _items.Reader.TryRead(out item);

    /// <summary>Ends the stream, as a worker that went away.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _stream;
        _stop.Dispose();
    }

    private sealed class Writer(ChannelWriter<WorkItem> items) : IServerStreamWriter<WorkItem>
    {
        public WriteOptions? WriteOptions { get; set; }

        public Task WriteAsync(WorkItem message) => items.WriteAsync(message).AsTask();

        public Task WriteAsync(WorkItem message, CancellationToken cancellationToken) => items.WriteAsync(message, cancellationToken).AsTask();
    }
}

/// <summary>Orchestrator responses as an SDK would build them for a few simple workflows.</summary>
internal static class Turns
{
    public static WorkflowResponse ScheduleActivity(WorkflowRequest request, int actionId, string name, string? input, string completionToken = "")
    {
        var response = new WorkflowResponse { InstanceId = request.InstanceId, CompletionToken = completionToken };
        response.Actions.Add(new WorkflowAction { Id = actionId, ScheduleTask = new ScheduleTaskAction { Name = name, Input = input } });
        return response;
    }

    public static WorkflowResponse Complete(WorkflowRequest request, string? result, string completionToken = "")
    {
        var response = new WorkflowResponse { InstanceId = request.InstanceId, CompletionToken = completionToken };
        response.Actions.Add(new WorkflowAction
        {
            Id = 99,
            CompleteWorkflow = new CompleteWorkflowAction { WorkflowStatus = OrchestrationStatus.Completed, Result = result },
        });
        return response;
    }

    public static string? ActivityResult(WorkflowRequest request, int taskId) =>
        request.NewEvents.Concat(request.PastEvents).FirstOrDefault(e => e.TaskCompleted?.TaskScheduledId == taskId)?.TaskCompleted.Result;
}
