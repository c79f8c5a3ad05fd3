using LedgerX.ServiceDefaults;
using LedgerX.ServiceDefaults.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.Hosting;

public static class DatabaseBreakerRegistration
{
    /// <summary>
    /// Puts <typeparamref name="TContext"/>'s database behind a circuit breaker (ADR 0029,
    /// <see cref="DatabaseBreaker{TContext}"/>): every EF Core operation bounded and counted, refused at once with 503
    /// <c>database_unavailable</c> while the database is gone, a probe that closes it again, and a readiness check that
    /// reports it. Options: "Database:Breaker". Composes with the service's own AddDbContext/AddDbContextPool
    /// configuration, registered before or after (EF Core 9+).
    /// </summary>
    public static IHostApplicationBuilder AddDatabaseBreaker<TContext>(this IHostApplicationBuilder builder)
        where TContext : DbContext
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddValidatedOptions<DatabaseBreakerOptions>(DatabaseBreakerOptions.Section);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<DatabaseBreaker<TContext>>();
        services.TryAddSingleton<DatabaseBreakerMarker>();
        services.AddHttpContextAccessor();
        services.TryAddSingleton<BreakerGate<TContext>>();
        services.ConfigureDbContext<TContext>((provider, options) => options
            .ReplaceService<IExecutionStrategyFactory, BreakerExecutionStrategyFactory<TContext>>()
            .AddInterceptors(provider.GetRequiredService<BreakerGate<TContext>>()));
        services.AddHostedService<DatabaseBreakerProbe<TContext>>();
        services.AddHealthChecks().AddCheck<DatabaseBreakerHealthCheck<TContext>>(
            $"database-breaker-{typeof(TContext).Name}", tags: [HealthCheckTags.Ready]);
        return builder;
    }
}
