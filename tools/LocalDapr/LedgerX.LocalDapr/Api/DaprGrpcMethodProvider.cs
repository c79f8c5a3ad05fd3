using Dapr.Client.Autogen.Grpc.v1;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;

namespace LedgerX.LocalDapr.Api;

/// <summary>
/// Binds <see cref="DaprGrpcApi"/> to <c>dapr.proto.runtime.v1.Dapr</c> by hand: Dapr.Protos ships no server
/// base for this service, so each <see cref="Method{TRequest,TResponse}"/> is built here from the SDK's
/// generated message types. The same list feeds gRPC reflection, so reflection lists exactly what is served.
/// </summary>
public sealed class DaprGrpcMethodProvider : IServiceMethodProvider<DaprGrpcApi>
{
    public const string ServiceName = "dapr.proto.runtime.v1.Dapr";

    private static readonly Registration[] Registrations =
    [
        Unary<GetStateRequest, GetStateResponse>("GetState", (s, r, x) => s.GetState(r, x)),
        Unary<GetBulkStateRequest, GetBulkStateResponse>("GetBulkState", (s, r, x) => s.GetBulkState(r, x)),
        Unary<SaveStateRequest, Empty>("SaveState", (s, r, x) => s.SaveState(r, x)),
        Unary<DeleteStateRequest, Empty>("DeleteState", (s, r, x) => s.DeleteState(r, x)),
        Unary<DeleteBulkStateRequest, Empty>("DeleteBulkState", (s, r, x) => s.DeleteBulkState(r, x)),
        Unary<ExecuteStateTransactionRequest, Empty>("ExecuteStateTransaction", (s, r, x) => s.ExecuteStateTransaction(r, x)),
        Unary<PublishEventRequest, Empty>("PublishEvent", (s, r, x) => s.PublishEvent(r, x)),
        Unary<BulkPublishRequest, BulkPublishResponse>("BulkPublishEvent", (s, r, x) => s.BulkPublishEvent(r, x)),
        Unary<BulkPublishRequest, BulkPublishResponse>("BulkPublishEventAlpha1", (s, r, x) => s.BulkPublishEventAlpha1(r, x)),
        Unary<GetSecretRequest, GetSecretResponse>("GetSecret", (s, r, x) => s.GetSecret(r, x)),
        Unary<GetBulkSecretRequest, GetBulkSecretResponse>("GetBulkSecret", (s, r, x) => s.GetBulkSecret(r, x)),
        Unary<InvokeBindingRequest, InvokeBindingResponse>("InvokeBinding", (s, r, x) => s.InvokeBinding(r, x)),
        Unary<GetMetadataRequest, GetMetadataResponse>("GetMetadata", (s, r, x) => s.GetMetadata(r, x)),
        Unary<SetMetadataRequest, Empty>("SetMetadata", (s, r, x) => s.SetMetadata(r, x)),
        Unary<ShutdownRequest, Empty>("Shutdown", (s, r, x) => s.Shutdown(r, x)),
        Unary<InvokeServiceRequest, InvokeResponse>("InvokeService", (s, r, x) => s.InvokeService(r, x)),
        Unary<InvokeActorRequest, InvokeActorResponse>("InvokeActor", (s, r, x) => s.InvokeActor(r, x)),
    ];

    private static readonly Lazy<ServiceDescriptor> ServedDescriptor = new(BuildServedDescriptor);

    /// <summary>The names of the RPCs served, for reflection and docs.</summary>
    public static IReadOnlySet<string> ServedMethods { get; } = Registrations.Select(r => r.Name).ToHashSet(StringComparer.Ordinal);

    /// <summary>A copy of the Dapr service descriptor reduced to the served RPCs (what reflection answers).</summary>
    public static ServiceDescriptor Descriptor => ServedDescriptor.Value;

    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<DaprGrpcApi> context)
    {
        foreach (var registration in Registrations)
        {
            registration.Bind(context);
        }
    }

    private static Registration Unary<TRequest, TResponse>(string name, Func<DaprGrpcApi, TRequest, ServerCallContext, Task<TResponse>> handler)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new()
    {
        var method = new Method<TRequest, TResponse>(MethodType.Unary, ServiceName, name, Marshaller<TRequest>(), Marshaller<TResponse>());
        return new Registration(name, context => context.AddUnaryMethod(method, [], (service, request, call) => handler(service, request, call)));
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

    private static ServiceDescriptor BuildServedDescriptor()
    {
        var served = ServedMethods;
        FileDescriptor original = DaprReflection.Descriptor;
        var proto = FileDescriptorProto.Parser.ParseFrom(original.SerializedData);
        var service = proto.Service.Single(s => s.Name == "Dapr");
        var keep = service.Method.Where(m => served.Contains(m.Name)).ToList();
        service.Method.Clear();
        service.Method.AddRange(keep);

        var ordered = new List<FileDescriptor>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        void Visit(FileDescriptor file)
        {
            if (!seen.Add(file.Name))
            {
                return;
            }

            foreach (var dependency in file.Dependencies)
            {
                Visit(dependency);
            }

            ordered.Add(file);
        }

        foreach (var dependency in original.Dependencies)
        {
            Visit(dependency);
        }

        var files = FileDescriptor.BuildFromByteStrings(ordered.Select(f => f.SerializedData).Append(proto.ToByteString()));
        return files[^1].Services.Single(s => s.Name == "Dapr");
    }

    private sealed record Registration(string Name, Action<ServiceMethodProviderContext<DaprGrpcApi>> Bind);
}
