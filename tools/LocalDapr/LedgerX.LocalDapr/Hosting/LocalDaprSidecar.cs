using System.Net;
using Grpc.AspNetCore.Server.Model;
using Grpc.Reflection;
using LedgerX.LocalDapr.Actors;
using LedgerX.LocalDapr.Api;
using LedgerX.LocalDapr.Bindings;
using LedgerX.LocalDapr.Invocation;
using LedgerX.LocalDapr.PubSub;
using LedgerX.LocalDapr.Resiliency;
using LedgerX.LocalDapr.Resources;
using LedgerX.LocalDapr.Secrets;
using LedgerX.LocalDapr.State;
using LedgerX.LocalDapr.Workflow;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LedgerX.LocalDapr.Hosting;

/// <summary>
/// One Dapr-compatible sidecar for one app id, hosted in-process: HTTP/1.1 API on <see cref="HttpPort"/>,
/// gRPC (h2c) on <see cref="GrpcPort"/>. Tests start it with <see cref="StartAsync"/> and point a
/// <c>DaprClientBuilder</c> at <see cref="HttpEndpoint"/> / <see cref="GrpcEndpoint"/>.
/// </summary>
public sealed class LocalDaprSidecar : IAsyncDisposable
{
    private const long MaxSubscribeResponseBytes = 1 << 20;

    /// <summary>Concurrent gRPC calls one app connection may have open (daprd sets no limit; Kestrel's default is 100).</summary>
    public const int MaxGrpcStreamsPerConnection = 10_000;

    private readonly WebApplication _web;
    private readonly SidecarRuntime _runtime;
    private readonly LoadedComponents _components;
    private readonly IReadOnlyList<SubscriptionResource> _declarativeSubscriptions;
    private readonly AppChannel _appChannel;
    private readonly LocalActors _actors;
    private readonly SidecarAddress _address;
    private readonly ILogger _logger;
    private readonly TaskCompletionSource _shutdownRequested = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stopping = new();
    private CronTrigger? _cron;
    private int _disposed;

    private LocalDaprSidecar(WebApplication web, SidecarRuntime runtime, LoadedComponents components, IReadOnlyList<SubscriptionResource> declarativeSubscriptions, AppChannel appChannel, SidecarAddress address, ILogger logger, LocalActors actors)
    {
        _actors = actors;
        _declarativeSubscriptions = declarativeSubscriptions;
        _web = web;
        _runtime = runtime;
        _components = components;
        _appChannel = appChannel;
        _address = address;
        _logger = logger;
        AppReady = ConnectAppAsync();
    }

    public string AppId => _runtime.Options.AppId;

    public int HttpPort => _address.HttpPort;

    public int GrpcPort => _address.GrpcPort;

    public string HttpEndpoint => $"http://127.0.0.1:{HttpPort}";

    public string GrpcEndpoint => $"http://127.0.0.1:{GrpcPort}";

    /// <summary>The port serving Prometheus <c>/metrics</c>, when <see cref="SidecarOptions.MetricsPort"/> was set.</summary>
    public int? MetricsPort { get; private init; }

    /// <summary>Everything published through this sidecar and every delivery outcome: the test hook.</summary>
    public PubSubActivityLog PubSub => _runtime.PubSub.Log;

    public SidecarRuntime Runtime => _runtime;

    /// <summary>Completes when the app's subscriptions are loaded (immediately when there is no app).</summary>
    public Task AppReady { get; }

    /// <summary>Completes when a client called the Shutdown API.</summary>
    public Task ShutdownRequested => _shutdownRequested.Task;

    public static async Task<LocalDaprSidecar> StartAsync(SidecarOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(options.AppId);
        var loggers = options.LoggerFactory ?? NullLoggerFactory.Instance;
        var logger = loggers.CreateLogger($"localdapr.{options.AppId}");

        var resources = ResourceLoader.Load(options.ResourcesPaths, options.ConfigFile, options.AppId);
        var components = await ComponentFactory.BuildAsync(resources, options.AppId, options.WorkingDirectory, options.ComponentMetadataOverrides, options.InMemoryPubSubNetwork, loggers, options.TimeProvider, cancellationToken, options.Namespace, options.PodName);

        var appChannel = new AppChannel(options.AppChannelAddress, options.AppPort, options.AppApiToken, options.AppProtocol, options.MaxRequestBodyBytes);
        var actors = new LocalActors(new LocalActorsOptions
        {
            AppId = options.AppId,
            AppChannel = appChannel,
            StateStore = ActorStateStoreLocator.Find(components)?.Store,
            TimeProvider = options.TimeProvider,
            Logger = loggers.CreateLogger($"localdapr.{options.AppId}.actors"),
            AppReadyTimeout = options.AppReadyTimeout,
        });
        var resiliency = new ResiliencyProvider(resources.Resiliencies, options.TimeProvider);
        var tracer = new Tracing.SidecarTracer(options.AppId, resources.Configuration, loggers.CreateLogger($"localdapr.{options.AppId}.tracing"));
        var metrics = new Metrics.SidecarMetrics(options.AppId);
        var pubSub = new PubSubService(options.AppId, components.PubSubs, appChannel, resiliency, new PubSubActivityLog(), tracer, metrics, options.TimeProvider, loggers.CreateLogger($"localdapr.{options.AppId}.pubsub"));
        LocalDaprSidecar? self = null;
        string hopToken = SidecarHop.NewToken();
        // daprd's identity (spiffe://{trustDomain}/ns/{namespace}/{appId}) takes the trust domain of the sidecar's own
        // Configuration; the access-control policy is this sidecar's, applied to calls it receives.
        var accessControlSpec = resources.Configuration?.AccessControl;
        var accessControl = AccessControlList.Build(accessControlSpec, resources.Configuration?.File ?? "", options.AppProtocol == AppProtocol.Http);
        var identity = new SpiffeId(string.IsNullOrEmpty(accessControlSpec?.TrustDomain) ? AccessControlList.DefaultTrustDomain : accessControlSpec.TrustDomain, options.Namespace, options.AppId);
        var runtime = new SidecarRuntime(
            options,
            new StateService(options.AppId, components.StateStores),
            pubSub,
            new SecretsService(components.SecretStores),
            new BindingsService(components.OutputBindings, resiliency),
            new ServiceInvoker(options.AppId, identity, accessControl, options.RegistryDirectory, appChannel, resiliency, tracer, metrics, hopToken),
            new MetadataService(options.AppId, options.AppPort, options.AppChannelAddress, components.All, () => pubSub.Subscriptions, actors.RuntimeView),
            tracer,
            metrics,
            () => self?._shutdownRequested.TrySetResult());

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = typeof(LocalDaprSidecar).Assembly.GetName().Name });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggers);
        ListenOptions? httpListen = null;
        ListenOptions? grpcListen = null;
        ListenOptions? metricsListen = null;
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes;
            kestrel.AddServerHeader = false;
            kestrel.Listen(IPAddress.Loopback, options.HttpPort, l =>
            {
                l.Protocols = HttpProtocols.Http1;
                httpListen = l;
            });
            kestrel.Listen(IPAddress.Loopback, options.GrpcPort, l =>
            {
                l.Protocols = HttpProtocols.Http2;
                grpcListen = l;
            });

            // daprd's gRPC server (grpc-go) sets no limit on concurrent streams per connection; Kestrel's default is 100.
            // An app's one channel carries its workflow worker's stream, every completion it is sending (an activity's
            // waits for the turn it triggers to be saved, ADR 0028) and its clients' blocking waits: at 100, a burst of
            // sagas queued the turns' results behind the waits until those ended. Bounded all the same.
            kestrel.Limits.Http2.MaxStreamsPerConnection = MaxGrpcStreamsPerConnection;
            if (options.MetricsPort is { } metricsPort)
            {
                kestrel.Listen(IPAddress.Loopback, metricsPort, l =>
                {
                    l.Protocols = HttpProtocols.Http1;
                    metricsListen = l;
                });
            }
        });

        builder.Services.AddGrpc(o => o.MaxReceiveMessageSize = (int)Math.Min(int.MaxValue, options.MaxRequestBodyBytes));
        builder.Services.AddSingleton(runtime);
        builder.Services.AddSingleton(actors);
        builder.Services.AddSingleton<DaprGrpcApi>();
        builder.Services.AddSingleton<IServiceMethodProvider<DaprGrpcApi>, DaprGrpcMethodProvider>();
        // Workflow state lives where daprd keeps it: with the actor state store (PostgreSQL), else in memory.
        // The workflow engine stamps orchestration time and fires durable timers by the sidecar's clock (a skewed one
        // in the clock-skew chaos), as daprd does by its host's.
        builder.Services.AddSingleton(options.TimeProvider);
        builder.Services.AddLocalDaprWorkflow(await WorkflowStoreFactory.OpenAsync(resources, options, cancellationToken));
        var served = new[]
        {
            DaprGrpcMethodProvider.Descriptor,
            WorkflowGrpcMethodProvider.Descriptor,
            Grpc.Reflection.V1.ServerReflection.Descriptor,
            Grpc.Reflection.V1Alpha.ServerReflection.Descriptor,
        };
        builder.Services.AddSingleton(new ReflectionServiceImpl(served));
        builder.Services.AddSingleton(new ReflectionV1ServiceImpl(served));
        builder.Services.AddHttpForwarder();
        // The gRPC proxy's client (h2c to apps and sidecars), disposed with the host.
        builder.Services.AddSingleton(_ => new HttpMessageInvoker(new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            EnableMultipleHttp2Connections = true,
            ConnectTimeout = TimeSpan.FromSeconds(15),
        }));

        var web = builder.Build();

        // The metrics port is a separate server in daprd: no API token, nothing but /metrics.
        web.MapWhen(
            context => metricsListen?.IPEndPoint is { } endpoint && context.Connection.LocalPort == endpoint.Port,
            metricsApp => metricsApp.Run(context =>
            {
                if (context.Request.Path != "/metrics")
                {
                    context.Response.StatusCode = StatusCodes.Status404NotFound;
                    return Task.CompletedTask;
                }

                context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
                return context.Response.WriteAsync(metrics.Render());
            }));
        web.UseMiddleware<CleanPathMiddleware>();
        web.UseMiddleware<Metrics.MetricsMiddleware>(metrics);
        web.UseMiddleware<Tracing.TracingMiddleware>(tracer);
        if (!string.IsNullOrEmpty(options.ApiToken))
        {
            web.UseMiddleware<ApiTokenMiddleware>(options.ApiToken, hopToken);
        }

        web.UseMiddleware<HttpErrorMiddleware>();
        // Before routing: any gRPC service not served here is proxied by dapr-app-id, as daprd's unknown-service handler.
        web.UseMiddleware<GrpcProxyMiddleware>(
            (Func<int?>)(() => grpcListen?.IPEndPoint?.Port),
            (IReadOnlySet<string>)served.Select(d => d.FullName).ToHashSet(StringComparer.Ordinal),
            options,
            new GrpcProxyMiddleware.Identity(hopToken, identity, accessControl));

        // Explicit, so endpoint matching sees the path CleanPathMiddleware rewrote (implicit routing would run first).
        web.UseRouting();
        web.MapGrpcService<DaprGrpcApi>();
        web.MapLocalDaprWorkflow();
        web.MapGrpcService<ReflectionServiceImpl>();
        web.MapGrpcService<ReflectionV1ServiceImpl>();
        web.MapDaprHttpApi();
        web.MapActorsApi(actors);

        try
        {
            await web.StartAsync(cancellationToken);
        }
        catch
        {
            await web.DisposeAsync();
            await runtime.State.DisposeAsync();
            runtime.Bindings.Dispose();
            await pubSub.DisposeAsync();
            await actors.DisposeAsync();
            await tracer.DisposeAsync();
            appChannel.Dispose();
            throw;
        }

        var address = new SidecarAddress(options.AppId, "127.0.0.1", httpListen!.IPEndPoint!.Port, grpcListen!.IPEndPoint!.Port, Environment.ProcessId, hopToken, options.AppProtocol);
        int? boundMetricsPort = metricsListen?.IPEndPoint?.Port;
        SidecarDirectory.Register(address, options.RegistryDirectory);
        self = new LocalDaprSidecar(web, runtime, components, resources.Subscriptions, appChannel, address, logger, actors) { MetricsPort = boundMetricsPort };
        logger.LogInformation("sidecar for {AppId} listening: HTTP {HttpPort}, gRPC {GrpcPort}", options.AppId, address.HttpPort, address.GrpcPort);

        if (options.WaitForApp)
        {
            try
            {
                await self.AppReady.WaitAsync(cancellationToken);
            }
            catch
            {
                await self.DisposeAsync();
                throw;
            }
        }

        return self;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        SidecarDirectory.Unregister(_address, _runtime.Options.RegistryDirectory);
        await _stopping.CancelAsync();
        try
        {
            await AppReady;
        }
        catch (Exception ex) when (ex is OperationCanceledException or TimeoutException)
        {
            // The app never came up; nothing to drain.
        }

        if (_cron is not null)
        {
            await _cron.DisposeAsync();
        }

        await _runtime.PubSub.DisposeAsync();
        // Before the state stores close: reminders and actor state are saved through them.
        await _actors.DisposeAsync();
        using (var stopTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
        {
            await _web.StopAsync(stopTimeout.Token);
        }

        await _web.DisposeAsync();
        await _runtime.State.DisposeAsync();
        _runtime.Bindings.Dispose();
        _runtime.Invoker.Dispose();
        await _runtime.Tracer.DisposeAsync();
        _appChannel.Dispose();
        _stopping.Dispose();
    }

    /// <summary>
    /// Like daprd: wait for the app port, read <c>GET /dapr/subscribe</c> (404 = none) or, for a gRPC app,
    /// <c>ListTopicSubscriptions</c> (Unimplemented = none), then start declarative and programmatic subscriptions
    /// and input bindings.
    /// </summary>
    private async Task ConnectAppAsync()
    {
        try
        {
            await ConnectAppCoreAsync();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Otherwise only visible as a 500 from /v1.0/healthz.
            _logger.LogError(ex, "app {AppId} could not be connected; the sidecar stays unhealthy", _runtime.Options.AppId);
            throw;
        }
    }

    private async Task ConnectAppCoreAsync()
    {
        await Task.Yield();
        var options = _runtime.Options;
        if (!_appChannel.HasApp)
        {
            await _actors.StartAsync(_stopping.Token);
            _runtime.AppReady = true;
            return;
        }

        IReadOnlyList<SubscriptionResource> programmatic = _appChannel.Grpc is { } grpc
            ? await GrpcAppDiscovery.SubscriptionsAsync(grpc, options, _logger, _stopping.Token)
            : await ReadSubscribeAsync();

        await _runtime.PubSub.StartSubscriptionsAsync(_declarativeSubscriptions.Concat(programmatic));
        _cron = new CronTrigger(_components.InputBindings, _appChannel, options.TimeProvider, _logger);
        // Like daprd: actor types are discovered from the app's /dapr/config once the app answers.
        await _actors.StartAsync(_stopping.Token);
        _runtime.AppReady = true;
        _logger.LogInformation("app {AppId} connected: {Count} subscriptions", options.AppId, _runtime.PubSub.Subscriptions.Count);
    }

    /// <summary>An HTTP app's <c>GET /dapr/subscribe</c>, retried until the app listens.</summary>
    private async Task<IReadOnlyList<SubscriptionResource>> ReadSubscribeAsync()
    {
        var options = _runtime.Options;
        IReadOnlyList<SubscriptionResource> programmatic = [];
        var deadline = options.TimeProvider.GetUtcNow() + options.AppReadyTimeout;
        while (true)
        {
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, "dapr/subscribe");
                request.Headers.TryAddWithoutValidation("dapr-app-id", options.AppId);
                using var response = await _appChannel.SendAsync(request, _stopping.Token);
                if (response.IsSuccessStatusCode)
                {
                    byte[] body;
                    try
                    {
                        body = await BoundedContent.ReadAsync(response.Content, MaxSubscribeResponseBytes, $"/dapr/subscribe of {options.AppId}", _stopping.Token);
                    }
                    catch (BoundedContent.TooLargeException ex)
                    {
                        throw new InvalidOperationException(ex.Message);
                    }

                    string json = System.Text.Encoding.UTF8.GetString(body);
                    programmatic = string.IsNullOrWhiteSpace(json) ? [] : SubscriptionDiscovery.Parse(json);
                }

                break;
            }
            catch (HttpRequestException) when (options.TimeProvider.GetUtcNow() < deadline)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), _stopping.Token);
            }
            catch (HttpRequestException ex)
            {
                throw new TimeoutException($"app {options.AppId} did not answer on port {options.AppPort} within {options.AppReadyTimeout}", ex);
            }
        }

        return programmatic;
    }
}
