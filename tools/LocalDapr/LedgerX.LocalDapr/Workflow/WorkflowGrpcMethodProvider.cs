using Dapr.DurableTask.Protobuf;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;

namespace LedgerX.LocalDapr.Workflow;

/// <summary>
/// Binds <see cref="WorkflowGrpcService"/> to <c>/TaskHubSidecarService/*</c> by hand, as
/// <see cref="Api.DaprGrpcMethodProvider"/> does for the Dapr API: Dapr.Workflow.Grpc ships the message types
/// (namespace <c>Dapr.DurableTask.Protobuf</c>) and client stubs only. The service name has no package.
/// </summary>
public sealed class WorkflowGrpcMethodProvider : IServiceMethodProvider<WorkflowGrpcService>
{
    public const string ServiceName = "TaskHubSidecarService";

    private static readonly Action<ServiceMethodProviderContext<WorkflowGrpcService>>[] Registrations =
    [
        Unary<Empty, Empty>("Hello", (s, r, c) => s.Hello(r, c)),
        Unary<CreateInstanceRequest, CreateInstanceResponse>("StartInstance", (s, r, c) => s.StartInstance(r, c)),
        Unary<GetInstanceRequest, GetInstanceResponse>("GetInstance", (s, r, c) => s.GetInstance(r, c)),
        Unary<GetInstanceRequest, GetInstanceResponse>("WaitForInstanceStart", (s, r, c) => s.WaitForInstanceStart(r, c)),
        Unary<GetInstanceRequest, GetInstanceResponse>("WaitForInstanceCompletion", (s, r, c) => s.WaitForInstanceCompletion(r, c)),
        Unary<RaiseEventRequest, RaiseEventResponse>("RaiseEvent", (s, r, c) => s.RaiseEvent(r, c)),
        Unary<TerminateRequest, TerminateResponse>("TerminateInstance", (s, r, c) => s.TerminateInstance(r, c)),
        Unary<SuspendRequest, SuspendResponse>("SuspendInstance", (s, r, c) => s.SuspendInstance(r, c)),
        Unary<ResumeRequest, ResumeResponse>("ResumeInstance", (s, r, c) => s.ResumeInstance(r, c)),
        Unary<PurgeInstancesRequest, PurgeInstancesResponse>("PurgeInstances", (s, r, c) => s.PurgeInstances(r, c)),
        ServerStreaming<GetWorkItemsRequest, WorkItem>("GetWorkItems", (s, r, w, c) => s.GetWorkItems(r, w, c)),
        Unary<ActivityResponse, CompleteTaskResponse>("CompleteActivityTask", (s, r, c) => s.CompleteActivityTask(r, c)),
        Unary<WorkflowResponse, CompleteTaskResponse>("CompleteOrchestratorTask", (s, r, c) => s.CompleteOrchestratorTask(r, c)),
        Unary<WorkflowResponse, CompleteTaskResponse>("CompleteWorkflowTask", (s, r, c) => s.CompleteOrchestratorTask(r, c)),
        Unary<RerunWorkflowFromEventRequest, RerunWorkflowFromEventResponse>("RerunWorkflowFromEvent", (s, r, c) => s.RerunWorkflowFromEvent(r, c)),
        Unary<ListInstanceIDsRequest, ListInstanceIDsResponse>("ListInstanceIDs", (s, r, c) => s.ListInstanceIDs(r, c)),
        Unary<GetInstanceHistoryRequest, GetInstanceHistoryResponse>("GetInstanceHistory", (s, r, c) => s.GetInstanceHistory(r, c)),
    ];

    /// <summary>The service descriptor, for gRPC reflection (add it to the list the sidecar serves).</summary>
    public static ServiceDescriptor Descriptor => OrchestratorServiceReflection.Descriptor.Services.Single(s => s.Name == ServiceName);

    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<WorkflowGrpcService> context)
    {
        foreach (var register in Registrations)
        {
            register(context);
        }
    }

    private static Action<ServiceMethodProviderContext<WorkflowGrpcService>> Unary<TRequest, TResponse>(string name, Func<WorkflowGrpcService, TRequest, ServerCallContext, Task<TResponse>> handler)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new()
    {
        var method = new Method<TRequest, TResponse>(MethodType.Unary, ServiceName, name, Marshaller<TRequest>(), Marshaller<TResponse>());
        return context => context.AddUnaryMethod(method, [], (service, request, call) => handler(service, request, call));
    }

    private static Action<ServiceMethodProviderContext<WorkflowGrpcService>> ServerStreaming<TRequest, TResponse>(string name, Func<WorkflowGrpcService, TRequest, IServerStreamWriter<TResponse>, ServerCallContext, Task> handler)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new()
    {
        var method = new Method<TRequest, TResponse>(MethodType.ServerStreaming, ServiceName, name, Marshaller<TRequest>(), Marshaller<TResponse>());
        return context => context.AddServerStreamingMethod(method, [], (service, request, writer, call) => handler(service, request, writer, call));
    }

    private static Marshaller<T> Marshaller<T>()
        where T : class, IMessage<T>, new() =>
        Marshallers.Create(
            message => message.ToByteArray(),
            bytes =>
            {
                var message = new T();
                message.MergeFrom(bytes);
                return message;
            });
}
