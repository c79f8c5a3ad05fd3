using System.Collections.Concurrent;
using System.Net;
using Dapr.AppCallback.Autogen.Grpc.v1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Autogen = Dapr.Client.Autogen.Grpc.v1;

namespace LedgerX.LocalDapr.Tests.Infrastructure;

/// <summary>A call the gRPC app received, with the metadata it came with.</summary>
public sealed record ReceivedCall<T>(T Request, IReadOnlyDictionary<string, string> Metadata);

/// <summary>What the gRPC test app does: each callback may be replaced by a test; the defaults answer plainly.</summary>
public sealed class GrpcCallbackBehaviour
{
    public List<TopicSubscription> Subscriptions { get; } = [];

    public List<string> InputBindings { get; } = [];

    /// <summary>Throw an <see cref="RpcException"/> to answer with a gRPC error.</summary>
    public Func<Autogen.InvokeRequest, Autogen.InvokeResponse> OnInvoke { get; set; } =
        r => new Autogen.InvokeResponse { Data = r.Data, ContentType = r.ContentType };

    public Func<TopicEventRequest, TopicEventResponse.Types.TopicEventResponseStatus> OnTopicEvent { get; set; } =
        _ => TopicEventResponse.Types.TopicEventResponseStatus.Success;

    public Func<TopicEventBulkRequestEntry, TopicEventResponse.Types.TopicEventResponseStatus> OnBulkEntry { get; set; } =
        _ => TopicEventResponse.Types.TopicEventResponseStatus.Success;

    /// <summary>False makes ListTopicSubscriptions answer Unimplemented, as an app without subscriptions may.</summary>
    public bool ImplementsListTopicSubscriptions { get; set; } = true;
}

/// <summary>
/// A real gRPC app on Kestrel (h2c, 127.0.0.1:0) implementing Dapr's <c>AppCallback</c> with the server base class
/// Dapr.Protos ships, the way a .NET app without the Dapr.AspNetCore HTTP layer is written, so the sidecar's gRPC
/// app channel is checked against the generated service rather than against itself.
/// </summary>
public sealed class GrpcCallbackApp : IAsyncDisposable
{
    private readonly WebApplication _web;

    private GrpcCallbackApp(WebApplication web, CallbackService service)
    {
        _web = web;
        Service = service;
    }

    public int Port { get; private set; }

    public GrpcCallbackBehaviour Behaviour => Service.Behaviour;

    public ConcurrentQueue<ReceivedCall<Autogen.InvokeRequest>> Invocations => Service.Invocations;

    public ConcurrentQueue<ReceivedCall<TopicEventRequest>> TopicEvents => Service.TopicEvents;

    public ConcurrentQueue<ReceivedCall<BindingEventRequest>> BindingEvents => Service.BindingEvents;

    public ConcurrentQueue<ReceivedCall<TopicEventBulkRequest>> BulkEvents => Service.BulkEvents;

    internal CallbackService Service { get; }

    public static async Task<GrpcCallbackApp> StartAsync(Action<GrpcCallbackBehaviour>? configure = null)
    {
        var behaviour = new GrpcCallbackBehaviour();
        configure?.Invoke(behaviour);
        var service = new CallbackService(behaviour);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(service);
        var web = builder.Build();
        web.MapGrpcService<CallbackService>();
        await web.StartAsync();
        var app = new GrpcCallbackApp(web, service);
        app.Port = new Uri(web.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()).Port;
        return app;
    }

    public static async Task<T> WaitForAsync<T>(ConcurrentQueue<T> calls, Func<T, bool> predicate, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (DateTime.UtcNow < deadline)
        {
            if (calls.FirstOrDefault(predicate) is { } found)
            {
                return found;
            }

            await Task.Delay(20);
        }

        throw new TimeoutException($"no matching call among {calls.Count}");
    }

    public async ValueTask DisposeAsync()
    {
        await _web.StopAsync();
        await _web.DisposeAsync();
    }

    internal sealed class CallbackService(GrpcCallbackBehaviour behaviour) : AppCallback.AppCallbackBase
    {
        public GrpcCallbackBehaviour Behaviour { get; } = behaviour;

        public ConcurrentQueue<ReceivedCall<Autogen.InvokeRequest>> Invocations { get; } = new();

        public ConcurrentQueue<ReceivedCall<TopicEventRequest>> TopicEvents { get; } = new();

        public ConcurrentQueue<ReceivedCall<BindingEventRequest>> BindingEvents { get; } = new();

        public ConcurrentQueue<ReceivedCall<TopicEventBulkRequest>> BulkEvents { get; } = new();

        public override Task<Autogen.InvokeResponse> OnInvoke(Autogen.InvokeRequest request, ServerCallContext context)
        {
            Invocations.Enqueue(new(request, Metadata(context)));
            return Task.FromResult(Behaviour.OnInvoke(request));
        }

        public override Task<ListTopicSubscriptionsResponse> ListTopicSubscriptions(Empty request, ServerCallContext context)
        {
            if (!Behaviour.ImplementsListTopicSubscriptions)
            {
                throw new RpcException(new Status(StatusCode.Unimplemented, "no subscriptions"));
            }

            return Task.FromResult(new ListTopicSubscriptionsResponse { Subscriptions = { Behaviour.Subscriptions } });
        }

        public override Task<TopicEventResponse> OnTopicEvent(TopicEventRequest request, ServerCallContext context)
        {
            TopicEvents.Enqueue(new(request, Metadata(context)));
            return Task.FromResult(new TopicEventResponse { Status = Behaviour.OnTopicEvent(request) });
        }

        public override Task<TopicEventBulkResponse> OnBulkTopicEvent(TopicEventBulkRequest request, ServerCallContext context)
        {
            BulkEvents.Enqueue(new(request, Metadata(context)));
            var response = new TopicEventBulkResponse();
            response.Statuses.AddRange(request.Entries.Select(e => new TopicEventBulkResponseEntry { EntryId = e.EntryId, Status = Behaviour.OnBulkEntry(e) }));
            return Task.FromResult(response);
        }

        public override Task<ListInputBindingsResponse> ListInputBindings(Empty request, ServerCallContext context) =>
            Task.FromResult(new ListInputBindingsResponse { Bindings = { Behaviour.InputBindings } });

        public override Task<BindingEventResponse> OnBindingEvent(BindingEventRequest request, ServerCallContext context)
        {
            BindingEvents.Enqueue(new(request, Metadata(context)));
            return Task.FromResult(new BindingEventResponse());
        }

        private static Dictionary<string, string> Metadata(ServerCallContext context) =>
            context.RequestHeaders.Where(h => !h.IsBinary).GroupBy(h => h.Key).ToDictionary(g => g.Key, g => g.Last().Value, StringComparer.OrdinalIgnoreCase);
    }
}
