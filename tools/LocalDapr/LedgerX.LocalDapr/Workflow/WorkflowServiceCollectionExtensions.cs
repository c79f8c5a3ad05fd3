using Grpc.AspNetCore.Server.Model;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LedgerX.LocalDapr.Workflow;

/// <summary>
/// Hosting glue: <c>services.AddLocalDaprWorkflow(store)</c> then <c>app.MapLocalDaprWorkflow()</c> on the gRPC
/// (h2c) listener's app. The engine starts (resuming unfinished instances) and stops with the host.
/// </summary>
public static class WorkflowServiceCollectionExtensions
{
    /// <summary>
    /// Adds the engine over <paramref name="store"/> and its gRPC binding. The store is disposed with the host
    /// unless <paramref name="disposeStore"/> is false (tests keep one store across engine restarts).
    /// </summary>
    public static IServiceCollection AddLocalDaprWorkflow(this IServiceCollection services, IWorkflowStore store, bool disposeStore = true)
    {
        services.AddGrpc();
        services.AddSingleton(store);
        // TryAdd: a host (or test) that registered its own configured engine keeps it.
        services.TryAddSingleton(sp => new WorkflowEngine(
            sp.GetRequiredService<IWorkflowStore>(),
            sp.GetService<TimeProvider>() ?? TimeProvider.System,
            sp.GetService<ILoggerFactory>()?.CreateLogger("localdapr.workflow"))
        {
            TurnLease = TurnLeaseFromEnvironment() ?? TimeSpan.FromSeconds(60),
        });
        services.AddSingleton<WorkflowGrpcService>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IServiceMethodProvider<WorkflowGrpcService>, WorkflowGrpcMethodProvider>());
        services.AddHostedService(sp => new WorkflowEngineHostedService(sp.GetRequiredService<WorkflowEngine>(), disposeStore ? store : null));
        return services;
    }

    /// <summary>Environment variable (a Go duration such as <c>2s</c>) overriding how long a worker may hold a turn.</summary>
    public const string TurnLeaseVariable = "LOCALDAPR_WORKFLOW_TURN_LEASE";

    // A local-sidecar setting with no daprd equivalent, read from the environment so that tests can shorten the lease
    // of sidecars started by the real launcher (which passes its environment to them).
    private static TimeSpan? TurnLeaseFromEnvironment()
    {
        string? text = Environment.GetEnvironmentVariable(TurnLeaseVariable);
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        return Resources.GoDuration.TryParse(text, out var lease) && lease > TimeSpan.Zero
            ? lease
            : throw new InvalidOperationException($"{TurnLeaseVariable}='{text}' is not a positive Go duration (e.g. 30s)");
    }

    public static IEndpointRouteBuilder MapLocalDaprWorkflow(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGrpcService<WorkflowGrpcService>();
        return endpoints;
    }

    private sealed class WorkflowEngineHostedService(WorkflowEngine engine, IWorkflowStore? store) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => engine.StartAsync(cancellationToken);

        public async Task StopAsync(CancellationToken cancellationToken)
        {
            await engine.DisposeAsync();
            if (store is not null)
            {
                await store.DisposeAsync();
            }
        }
    }
}
