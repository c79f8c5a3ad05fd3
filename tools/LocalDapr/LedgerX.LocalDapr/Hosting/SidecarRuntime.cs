using LedgerX.LocalDapr.Bindings;
using LedgerX.LocalDapr.Invocation;
using LedgerX.LocalDapr.PubSub;
using LedgerX.LocalDapr.Secrets;
using LedgerX.LocalDapr.State;

namespace LedgerX.LocalDapr.Hosting;

/// <summary>The building blocks of one sidecar, shared by the HTTP and gRPC APIs.</summary>
public sealed class SidecarRuntime
{
    private readonly Action _requestShutdown;

    internal SidecarRuntime(
        SidecarOptions options,
        StateService state,
        PubSubService pubSub,
        SecretsService secrets,
        BindingsService bindings,
        ServiceInvoker invoker,
        MetadataService metadata,
        Tracing.SidecarTracer tracer,
        Metrics.SidecarMetrics metrics,
        Action requestShutdown)
    {
        Tracer = tracer;
        Metrics = metrics;
        Options = options;
        State = state;
        PubSub = pubSub;
        Secrets = secrets;
        Bindings = bindings;
        Invoker = invoker;
        Metadata = metadata;
        _requestShutdown = requestShutdown;
    }

    public SidecarOptions Options { get; }

    public StateService State { get; }

    public PubSubService PubSub { get; }

    public SecretsService Secrets { get; }

    public BindingsService Bindings { get; }

    public ServiceInvoker Invoker { get; }

    public MetadataService Metadata { get; }

    public Tracing.SidecarTracer Tracer { get; }

    public Metrics.SidecarMetrics Metrics { get; }

    /// <summary>True once the app answered (subscriptions loaded); <c>/v1.0/healthz</c> reports it like daprd.</summary>
    public bool AppReady { get; internal set; }

    public void RequestShutdown() => _requestShutdown();
}
