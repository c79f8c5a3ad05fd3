using System.Net;
using Dapr.Workflow;
using LedgerX.LocalDapr.Workflow;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LedgerX.LocalDapr.Tests.Workflow;

/// <summary>
/// The workflow engine alone on Kestrel h2c (HTTP/2 only, 127.0.0.1), as the sidecar's gRPC port serves it.
/// Restart it on the same <see cref="Port"/> to simulate a sidecar restart: the SDK worker reconnects there.
/// </summary>
public sealed class WorkflowEngineHost : IAsyncDisposable
{
    private readonly WebApplication _web;

    private WorkflowEngineHost(WebApplication web, int port)
    {
        _web = web;
        Port = port;
    }

    public int Port { get; }

    public string Endpoint => $"http://127.0.0.1:{Port}";

    public WorkflowEngine Engine => _web.Services.GetRequiredService<WorkflowEngine>();

    /// <param name="finishedRetention">How long finished instances stay in memory; zero makes every read after a
    /// completion go to the store, which the in-memory test classes use to exercise that path all the time.</param>
    public static async Task<WorkflowEngineHost> StartAsync(IWorkflowStore store, int port = 0, TimeSpan? finishedRetention = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        WorkflowTestLogging.Configure(builder.Logging);
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port, l => l.Protocols = HttpProtocols.Http2));
        if (finishedRetention is { } retention)
        {
            builder.Services.AddSingleton(sp => new WorkflowEngine(store, TimeProvider.System, sp.GetRequiredService<ILoggerFactory>().CreateLogger("localdapr.workflow")) { FinishedRetention = retention });
        }

        builder.Services.AddLocalDaprWorkflow(store, disposeStore: false);
        var web = builder.Build();
        web.MapLocalDaprWorkflow();
        await web.StartAsync();
        var address = web.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new WorkflowEngineHost(web, new Uri(address).Port);
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _web.StopAsync(timeout.Token);
        await _web.DisposeAsync();
    }
}

/// <summary>
/// An app using the real Dapr.Workflow SDK: <c>AddDaprWorkflow</c> with the given registrations, pointed at the
/// engine through configuration (<c>DAPR_GRPC_ENDPOINT</c>), exactly as a service configures it.
/// </summary>
public sealed class WorkflowApp : IAsyncDisposable
{
    private readonly IHost _host;

    private WorkflowApp(IHost host) => _host = host;

    public DaprWorkflowClient Client => _host.Services.GetRequiredService<DaprWorkflowClient>();

    public static async Task<WorkflowApp> StartAsync(string grpcEndpoint, Action<WorkflowRuntimeOptions> register)
    {
        var builder = Host.CreateApplicationBuilder();
        WorkflowTestLogging.Configure(builder.Logging);
        builder.Configuration["DAPR_GRPC_ENDPOINT"] = grpcEndpoint;
        builder.Configuration["DAPR_HTTP_ENDPOINT"] = "http://127.0.0.1:1";
        builder.Services.AddDaprWorkflow(register);
        var host = builder.Build();
        await host.StartAsync();
        return new WorkflowApp(host);
    }

    /// <summary>Stops the app the way a killed replica disappears: its work-item stream ends mid-workflow.</summary>
    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await _host.StopAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            // A worker that does not stop in time is abandoned, like a killed process.
        }

        _host.Dispose();
    }
}

internal static class WorkflowTestLogging
{
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

/// <summary>
/// The test's cancellation token, also cancelled after <see cref="Limit"/>: a workflow the engine failed to finish
/// makes its test fail (the SDK's waits end) instead of hanging the run.
/// </summary>
internal static class WorkflowTestTimeout
{
    public static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<object, CancellationTokenSource> PerTest = new();

    public static CancellationToken Token
    {
        get
        {
            var context = TestContext.Current;
            object key = (object?)context.Test ?? context;
            return PerTest.GetValue(key, _ =>
            {
                var cts = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
                cts.CancelAfter(Limit);
                return cts;
            }).Token;
        }
    }
}
