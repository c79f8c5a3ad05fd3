using System.Collections.Concurrent;
using System.Net;
using Dapr.Actors;
using Dapr.Actors.Client;
using LedgerX.LocalDapr.Actors;
using LedgerX.LocalDapr.Api;
using LedgerX.LocalDapr.Hosting;
using LedgerX.LocalDapr.State;
using LedgerX.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LedgerX.LocalDapr.Tests.Actors;

/// <summary>How the actor app configures its runtime (what it answers on <c>/dapr/config</c>).</summary>
public sealed record ActorAppSettings
{
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromMinutes(60);

    public TimeSpan ScanInterval { get; init; } = TimeSpan.FromSeconds(30);

    public bool Reentrancy { get; init; }

    public int MaxStackDepth { get; init; } = 32;
}

/// <summary>
/// A minimal sidecar: Kestrel HTTP/1.1 on 127.0.0.1 serving only the actors API, with the same path cleaning and
/// DAPR_API_TOKEN check as LocalDaprSidecar. Restart it on the same <see cref="Port"/> to simulate a sidecar restart.
/// </summary>
public sealed class ActorSidecarHost : IAsyncDisposable
{
    public const string ApiToken = "sidecar-secret";
    public const string AppApiToken = "app-secret";

    private readonly WebApplication _web;
    private readonly AppChannel _channel;

    private ActorSidecarHost(WebApplication web, AppChannel channel, LocalActors actors, int port)
    {
        _web = web;
        _channel = channel;
        Actors = actors;
        Port = port;
    }

    public LocalActors Actors { get; }

    public int Port { get; }

    public string Endpoint => $"http://127.0.0.1:{Port}";

    public static async Task<ActorSidecarHost> StartAsync(int port, int appPort, IStateStore? store)
    {
        var channel = new AppChannel("127.0.0.1", appPort, AppApiToken);
        var actors = new LocalActors(new LocalActorsOptions { AppId = "actor-app", AppChannel = channel, StateStore = store, Logger = ActorTestLogging.Logger("sidecar") });
        var builder = WebApplication.CreateSlimBuilder();
        ActorTestLogging.Configure(builder.Logging);
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port, l => l.Protocols = HttpProtocols.Http1));
        var web = builder.Build();
        web.UseMiddleware<CleanPathMiddleware>();
        web.UseMiddleware<ApiTokenMiddleware>(ApiToken);
        web.UseRouting();
        web.MapActorsApi(actors);
        await web.StartAsync();
        await actors.StartAsync();
        var address = web.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new ActorSidecarHost(web, channel, actors, new Uri(address).Port);
    }

    public async ValueTask DisposeAsync()
    {
        await Actors.DisposeAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _web.StopAsync(timeout.Token);
        await _web.DisposeAsync();
        _channel.Dispose();
    }
}

/// <summary>An app hosting <see cref="ProbeActor"/> with the real Dapr.Actors.AspNetCore runtime, pointed at a sidecar port.</summary>
public sealed class ActorApp : IAsyncDisposable
{
    public const string ActorType = "ProbeActor";

    private readonly WebApplication _web;

    private ActorApp(WebApplication web, int port)
    {
        _web = web;
        Port = port;
    }

    public int Port { get; }

    /// <summary>Every <c>dapr-api-token</c> value the sidecar sent to the app.</summary>
    public ConcurrentBag<string> TokensSeen { get; } = [];

    public static async Task<ActorApp> StartAsync(int sidecarPort, ActorAppSettings settings)
    {
        var builder = WebApplication.CreateSlimBuilder();
        ActorTestLogging.Configure(builder.Logging);
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http1));
        builder.Configuration["DAPR_HTTP_ENDPOINT"] = $"http://127.0.0.1:{sidecarPort}";
        builder.Configuration["DAPR_API_TOKEN"] = ActorSidecarHost.ApiToken;
        builder.Services.AddActors(o =>
        {
            o.Actors.RegisterActor<ProbeActor>();
            o.HttpEndpoint = $"http://127.0.0.1:{sidecarPort}";
            o.DaprApiToken = ActorSidecarHost.ApiToken;
            o.ActorIdleTimeout = settings.IdleTimeout;
            o.ActorScanInterval = settings.ScanInterval;
            o.ReentrancyConfig = new ActorReentrancyConfig { Enabled = settings.Reentrancy, MaxStackDepth = settings.MaxStackDepth };
        });
        var web = builder.Build();
        ActorApp? self = null;
        web.Use(async (context, next) =>
        {
            self?.TokensSeen.Add(context.Request.Headers["dapr-api-token"].ToString());

            // Calls in flight per actor id as they arrive from the sidecar, before the SDK's own per-actor lock:
            // what shows the sidecar's turn-based concurrency ("wire:{id}").
            string[] segments = (context.Request.Path.Value ?? "").Split('/', StringSplitOptions.RemoveEmptyEntries);
            if (segments is ["actors", _, var actorId, "method", ..])
            {
                Probe.EnterTurn("wire:" + actorId);
                try
                {
                    await next(context);
                }
                finally
                {
                    Probe.ExitTurn("wire:" + actorId);
                }

                return;
            }

            await next(context);
        });
        web.MapActorsHandlers();
        await web.StartAsync();
        var address = web.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        self = new ActorApp(web, new Uri(address).Port);
        return self;
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _web.StopAsync(timeout.Token);
        await _web.DisposeAsync();
    }
}

/// <summary>An actor app and its sidecar, wired to each other; the sidecar can be restarted on its port.</summary>
public sealed class ActorEnvironment : IAsyncDisposable
{
    private ActorEnvironment(ActorApp app, ActorSidecarHost sidecar, IStateStore? store)
    {
        App = app;
        Sidecar = sidecar;
        Store = store;
    }

    public ActorApp App { get; private set; }

    public ActorSidecarHost Sidecar { get; private set; }

    public IStateStore? Store { get; }

    public static async Task<ActorEnvironment> StartAsync(ActorAppSettings? settings = null, IStateStore? store = null)
    {
        int sidecarPort = FreePorts.Next();
        var app = await ActorApp.StartAsync(sidecarPort, settings ?? new ActorAppSettings());
        var sidecar = await ActorSidecarHost.StartAsync(sidecarPort, app.Port, store ?? new InMemoryStateStore(TimeProvider.System));
        return new ActorEnvironment(app, sidecar, store);
    }

    /// <summary>A client proxy using remoting (DataContract over <c>X-DaprRequestHeader</c>), as services call actors.</summary>
    public IProbeActor Proxy(string actorId, string actorType = ActorApp.ActorType) =>
        ActorProxy.Create<IProbeActor>(new ActorId(actorId), actorType, Options());

    /// <summary>A non-remoting proxy: JSON bodies, methods by name.</summary>
    public ActorProxy JsonProxy(string actorId) => ActorProxy.Create(new ActorId(actorId), ActorApp.ActorType, Options());

    public async Task RestartSidecarAsync(IStateStore? store)
    {
        int port = Sidecar.Port;
        await Sidecar.DisposeAsync();
        Sidecar = await ActorSidecarHost.StartAsync(port, App.Port, store ?? new InMemoryStateStore(TimeProvider.System));
    }

    public async ValueTask DisposeAsync()
    {
        await Sidecar.DisposeAsync();
        await App.DisposeAsync();
    }

    private ActorProxyOptions Options() => new()
    {
        HttpEndpoint = Sidecar.Endpoint,
        DaprApiToken = ActorSidecarHost.ApiToken,
        RequestTimeout = TimeSpan.FromSeconds(20),
    };
}

internal static class ActorTestLogging
{
    private static readonly ILoggerFactory Factory = LoggerFactory.Create(Configure);

    public static ILogger Logger(string name) => Factory.CreateLogger("actors." + name);

    /// <summary>Quiet unless LEDGERX_TEST_LOGS=1 (then Debug to the console, for diagnosing a failing test).</summary>
    public static void Configure(ILoggingBuilder logging)
    {
        logging.ClearProviders();
        if (Environment.GetEnvironmentVariable("LEDGERX_TEST_LOGS") == "1")
        {
            logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Debug);
        }
    }
}
