using Dapr.DurableTask.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace LedgerX.LocalDapr.Workflow;

/// <summary>
/// The <c>TaskHubSidecarService</c> handlers (the service of durabletask-go's backend/grpc.go that daprd serves), bound to the wire by <see cref="WorkflowGrpcMethodProvider"/>.
/// Thin: every call is translated to one <see cref="WorkflowEngine"/> operation.
/// </summary>
public sealed class WorkflowGrpcService
{
    private readonly WorkflowEngine _engine;

    public WorkflowGrpcService(WorkflowEngine engine) => _engine = engine;

    public Task<Empty> Hello(Empty request, ServerCallContext context) => Task.FromResult(new Empty());

    public async Task<CreateInstanceResponse> StartInstance(CreateInstanceRequest request, ServerCallContext context) =>
        new() { InstanceId = await _engine.StartInstanceAsync(request, context.CancellationToken) };

    public Task<GetInstanceResponse> GetInstance(GetInstanceRequest request, ServerCallContext context) =>
        _engine.GetInstanceAsync(request.InstanceId, request.GetInputsAndOutputs, context.CancellationToken);

    public Task<GetInstanceResponse> WaitForInstanceStart(GetInstanceRequest request, ServerCallContext context) =>
        Blocking(() => _engine.WaitForStartAsync(request.InstanceId, request.GetInputsAndOutputs, context.CancellationToken), context);

    public Task<GetInstanceResponse> WaitForInstanceCompletion(GetInstanceRequest request, ServerCallContext context) =>
        Blocking(() => _engine.WaitForCompletionAsync(request.InstanceId, request.GetInputsAndOutputs, context.CancellationToken), context);

    public async Task<RaiseEventResponse> RaiseEvent(RaiseEventRequest request, ServerCallContext context)
    {
        await _engine.RaiseEventAsync(request.InstanceId, request.Name, request.Input, context.CancellationToken);
        return new RaiseEventResponse();
    }

    public async Task<TerminateResponse> TerminateInstance(TerminateRequest request, ServerCallContext context)
    {
        await _engine.TerminateAsync(request.InstanceId, request.Output, request.Recursive, context.CancellationToken);
        return new TerminateResponse();
    }

    public async Task<SuspendResponse> SuspendInstance(SuspendRequest request, ServerCallContext context)
    {
        await _engine.SuspendAsync(request.InstanceId, request.Reason, context.CancellationToken);
        return new SuspendResponse();
    }

    public async Task<ResumeResponse> ResumeInstance(ResumeRequest request, ServerCallContext context)
    {
        await _engine.ResumeAsync(request.InstanceId, request.Reason, context.CancellationToken);
        return new ResumeResponse();
    }

    public async Task<PurgeInstancesResponse> PurgeInstances(PurgeInstancesRequest request, ServerCallContext context) =>
        new() { DeletedInstanceCount = await _engine.PurgeAsync(request, context.CancellationToken), IsComplete = true };

    public Task GetWorkItems(GetWorkItemsRequest request, IServerStreamWriter<WorkItem> writer, ServerCallContext context) =>
        _engine.RunWorkerAsync(writer, request.Capabilities.Contains(WorkerCapability.HealthPing), context.CancellationToken);

    public async Task<CompleteTaskResponse> CompleteActivityTask(ActivityResponse request, ServerCallContext context)
    {
        await _engine.CompleteActivityAsync(request, context.CancellationToken);
        return new CompleteTaskResponse();
    }

    public async Task<CompleteTaskResponse> CompleteOrchestratorTask(WorkflowResponse request, ServerCallContext context)
    {
        await _engine.CompleteOrchestratorAsync(request, context.CancellationToken);
        return new CompleteTaskResponse();
    }

    public Task<ListInstanceIDsResponse> ListInstanceIDs(ListInstanceIDsRequest request, ServerCallContext context) =>
        _engine.ListInstanceIdsAsync(request, context.CancellationToken);

    public Task<GetInstanceHistoryResponse> GetInstanceHistory(GetInstanceHistoryRequest request, ServerCallContext context) =>
        _engine.GetHistoryAsync(request.InstanceId, context.CancellationToken);

    public Task<RerunWorkflowFromEventResponse> RerunWorkflowFromEvent(RerunWorkflowFromEventRequest request, ServerCallContext context) =>
        throw new RpcException(new Grpc.Core.Status(StatusCode.Unimplemented, "RerunWorkflowFromEvent is not supported by the local sidecar"));

    // A client deadline or cancellation ends the wait; the SDK re-issues on DeadlineExceeded, as against daprd.
    private static async Task<GetInstanceResponse> Blocking(Func<Task<GetInstanceResponse>> wait, ServerCallContext context)
    {
        try
        {
            return await wait();
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            throw new RpcException(new Grpc.Core.Status(context.Deadline <= DateTime.UtcNow ? StatusCode.DeadlineExceeded : StatusCode.Cancelled, "wait ended before the workflow reached the state"));
        }
    }
}
