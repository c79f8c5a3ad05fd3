using Dapr.AppCallback.Autogen.Grpc.v1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using InvokeRequest = Dapr.Client.Autogen.Grpc.v1.InvokeRequest;
using InvokeResponse = Dapr.Client.Autogen.Grpc.v1.InvokeResponse;

namespace LedgerX.LocalDapr.Hosting;

/// <summary>
/// The app channel of an <c>appProtocol: grpc</c> app: the sidecar is a client of the app's
/// <c>dapr.proto.runtime.v1.AppCallback</c> service over h2c, as daprd's gRPC channel is (pkg/channel/grpc/grpc_channel.go).
/// Dapr.Protos ships only the server half of AppCallback, so the methods are declared here from the proto's names.
/// </summary>
public sealed class AppCallbackChannel : IDisposable
{
    public const string Service = "dapr.proto.runtime.v1.AppCallback";
    public const string AlphaService = "dapr.proto.runtime.v1.AppCallbackAlpha";

    private static readonly Method<InvokeRequest, InvokeResponse> OnInvokeMethod = Unary(Service, "OnInvoke", InvokeRequest.Parser, InvokeResponse.Parser);
    private static readonly Method<Empty, ListTopicSubscriptionsResponse> ListTopicSubscriptionsMethod = Unary(Service, "ListTopicSubscriptions", Empty.Parser, ListTopicSubscriptionsResponse.Parser);
    private static readonly Method<TopicEventRequest, TopicEventResponse> OnTopicEventMethod = Unary(Service, "OnTopicEvent", TopicEventRequest.Parser, TopicEventResponse.Parser);
    private static readonly Method<TopicEventBulkRequest, TopicEventBulkResponse> OnBulkTopicEventMethod = Unary(Service, "OnBulkTopicEvent", TopicEventBulkRequest.Parser, TopicEventBulkResponse.Parser);
    private static readonly Method<TopicEventBulkRequest, TopicEventBulkResponse> OnBulkTopicEventAlpha1Method = Unary(AlphaService, "OnBulkTopicEventAlpha1", TopicEventBulkRequest.Parser, TopicEventBulkResponse.Parser);
    private static readonly Method<Empty, ListInputBindingsResponse> ListInputBindingsMethod = Unary(Service, "ListInputBindings", Empty.Parser, ListInputBindingsResponse.Parser);
    private static readonly Method<BindingEventRequest, BindingEventResponse> OnBindingEventMethod = Unary(Service, "OnBindingEvent", BindingEventRequest.Parser, BindingEventResponse.Parser);

    private readonly GrpcChannel _channel;
    private readonly CallInvoker _invoker;
    private readonly string? _appApiToken;

    public AppCallbackChannel(string address, int port, string? appApiToken, long maxMessageBytes)
    {
        _appApiToken = appApiToken;
        int max = (int)Math.Min(int.MaxValue, maxMessageBytes);
        _channel = GrpcChannel.ForAddress($"http://{address}:{port}", new GrpcChannelOptions
        {
            // daprd sends and receives up to --max-body-size on the app channel (grpc.MaxCallSendMsgSize/RecvMsgSize).
            MaxSendMessageSize = max,
            MaxReceiveMessageSize = max,
            HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true, PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30) },
        });
        _invoker = _channel.CreateCallInvoker();
    }

    /// <summary><c>OnInvoke</c>; <paramref name="metadata"/> already converted from the caller's headers.</summary>
    public Task<(InvokeResponse Response, Metadata Headers)> OnInvokeAsync(InvokeRequest request, Metadata metadata, CancellationToken cancellationToken) =>
        CallAsync(OnInvokeMethod, request, metadata, cancellationToken);

    public async Task<ListTopicSubscriptionsResponse> ListTopicSubscriptionsAsync(CancellationToken cancellationToken) =>
        (await CallAsync(ListTopicSubscriptionsMethod, new Empty(), [], cancellationToken)).Response;

    public async Task<TopicEventResponse> OnTopicEventAsync(TopicEventRequest request, Metadata metadata, CancellationToken cancellationToken) =>
        (await CallAsync(OnTopicEventMethod, request, metadata, cancellationToken)).Response;

    /// <summary>
    /// <c>OnBulkTopicEvent</c>, falling back to <c>AppCallbackAlpha/OnBulkTopicEventAlpha1</c> when the app does not
    /// implement the stable one, as daprd's gRPC postman does (older SDKs serve only the alpha).
    /// </summary>
    public async Task<TopicEventBulkResponse> OnBulkTopicEventAsync(TopicEventBulkRequest request, CancellationToken cancellationToken)
    {
        try
        {
            return (await CallAsync(OnBulkTopicEventMethod, request, [], cancellationToken)).Response;
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.Unimplemented)
        {
            return (await CallAsync(OnBulkTopicEventAlpha1Method, request, [], cancellationToken)).Response;
        }
    }

    public async Task<ListInputBindingsResponse> ListInputBindingsAsync(CancellationToken cancellationToken) =>
        (await CallAsync(ListInputBindingsMethod, new Empty(), [], cancellationToken)).Response;

    public async Task<BindingEventResponse> OnBindingEventAsync(BindingEventRequest request, Metadata metadata, CancellationToken cancellationToken) =>
        (await CallAsync(OnBindingEventMethod, request, metadata, cancellationToken)).Response;

    public void Dispose() => _channel.Dispose();

    private static Method<TRequest, TResponse> Unary<TRequest, TResponse>(string service, string name, MessageParser<TRequest> requestParser, MessageParser<TResponse> responseParser)
        where TRequest : class, IMessage<TRequest>
        where TResponse : class, IMessage<TResponse> =>
        new(MethodType.Unary, service, name, Marshallers.Create(m => m.ToByteArray(), requestParser.ParseFrom), Marshallers.Create(m => m.ToByteArray(), responseParser.ParseFrom));

    private async Task<(TResponse Response, Metadata Headers)> CallAsync<TRequest, TResponse>(Method<TRequest, TResponse> method, TRequest request, Metadata metadata, CancellationToken cancellationToken)
        where TRequest : class
        where TResponse : class
    {
        // As daprd's AddAppTokenToContext: the app authenticates the sidecar by APP_API_TOKEN in dapr-api-token.
        foreach (var stale in metadata.Where(e => e.Key == "dapr-api-token").ToList())
        {
            metadata.Remove(stale);
        }

        if (!string.IsNullOrEmpty(_appApiToken))
        {
            metadata.Add("dapr-api-token", _appApiToken);
        }

        if (System.Diagnostics.Activity.Current is { IdFormat: System.Diagnostics.ActivityIdFormat.W3C } activity && metadata.Get("traceparent") is null)
        {
            metadata.Add("traceparent", activity.Id!);
        }

        var options = new CallOptions(metadata, DateTime.UtcNow + AppChannel.DefaultTimeout, cancellationToken);
        using var call = _invoker.AsyncUnaryCall(method, null, options, request);
        var response = await call.ResponseAsync;
        return (response, await call.ResponseHeadersAsync);
    }
}
