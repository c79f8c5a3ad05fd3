using LedgerX.ServiceDefaults.Audit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.Hosting;

public static class AuditOutboxRegistration
{
    /// <summary>
    /// The audit outbox of <typeparamref name="TDbContext"/> (whose model calls <c>ConfigureAuditOutbox()</c> and whose
    /// migrations create <c>audit_outbox</c>): the validated "AuditOutbox" options, the relay that publishes to
    /// audit.recorded.v1, its metrics, and the commit watch that wakes the relay when a context commits audit events.
    /// Call after <c>AddServiceDefaults()</c> (the Dapr client); the context may be registered before or after.
    /// </summary>
    public static IHostApplicationBuilder AddAuditOutbox<TDbContext>(this IHostApplicationBuilder builder)
        where TDbContext : DbContext
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddValidatedOptions<AuditOutboxOptions>(AuditOutboxOptions.Section);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<AuditOutboxSignal>();
        services.TryAddSingleton<AuditOutboxMetrics>();
        services.TryAddSingleton<AuditOutboxCommitWatch>();
        services.TryAddSingleton<AuditOutboxSaveInterceptor>();
        services.TryAddSingleton<AuditOutboxTransactionInterceptor>();
        // Composes with the service's own AddDbContext/AddDbContextPool configuration (EF Core 9+).
        services.ConfigureDbContext<TDbContext>((provider, options) => options.AddInterceptors(
            provider.GetRequiredService<AuditOutboxSaveInterceptor>(), provider.GetRequiredService<AuditOutboxTransactionInterceptor>()));
        services.AddHostedService<AuditOutboxRelay<TDbContext>>();
        return builder;
    }
}
