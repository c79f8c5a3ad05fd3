using LedgerX.Auth.Audit;
using LedgerX.Auth.Audit.Apis;
using LedgerX.Auth.Audit.Chain;
using LedgerX.Auth.Audit.Persistence;
using LedgerX.Auth.Audit.Subscriptions;
using LedgerX.ServiceDefaults.Data;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// How auth-service hosts the audit log: <c>builder.AddAuditLog()</c> (its context on the auth database, the appender,
/// the verifier, the audit:read policy), <c>app.MapAuditLogApi()</c> (the audit.recorded.v1 subscription and the
/// auditors' API; the host calls <c>UseCloudEvents</c> and <c>MapSubscribeHandler</c> as for any subscriber) and
/// <c>await app.MigrateAuditLogAsync()</c> before it runs.
/// </summary>
public static class AuditLogRegistration
{
    /// <summary>auth-service's connection string (database ledgerx_auth); the audit log keeps to its schema there.</summary>
    public const string ConnectionStringName = "Auth";

    /// <summary>The app id records are written under when APP_ID is not set.</summary>
    public const string DefaultSource = "auth-service";

    public static IHostApplicationBuilder AddAuditLog(this IHostApplicationBuilder builder, string connectionStringName = ConnectionStringName)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var connectionString = builder.Configuration.GetBoundedConnectionString(connectionStringName);
        builder.Services.AddDbContextPool<AuditLogDbContext>(options =>
            AuditLogDatabase.Configure(options, connectionString));
        builder.AddDatabaseBreaker<AuditLogDbContext>();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(new AuditLogSettings(builder.Configuration["APP_ID"] is { Length: > 0 } appId ? appId : DefaultSource));
        builder.Services.AddSingleton<AuditLogMetrics>();
        builder.Services.AddScoped<AuditLogAppender>();
        builder.Services.AddScoped<AuditLogVerifier>();
        // A host that defines its own audit:read policy (auth-service names its token scheme in one per permission)
        // keeps it; otherwise the library's, on the host's default scheme, applies.
        builder.Services.AddAuthorization();
        builder.Services.PostConfigure<Microsoft.AspNetCore.Authorization.AuthorizationOptions>(options =>
        {
            if (options.GetPolicy(AuditLogAuthorization.ReadPolicy) is null)
            {
                options.AddPolicy(AuditLogAuthorization.ReadPolicy, AuditLogAuthorization.Read);
            }
        });
        return builder;
    }

    public static IEndpointRouteBuilder MapAuditLogApi(this IEndpointRouteBuilder app)
    {
        app.MapAuditRecordedSubscription();
        app.MapAuditEventsApi();
        return app;
    }

    /// <summary>Creates the database if missing (quietly, as every service does) and applies the audit log's migrations,
    /// which touch only schema <c>audit</c> and its own history table.</summary>
    public static async Task MigrateAuditLogAsync(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        await using var scope = app.Services.CreateAsyncScope();
        var database = scope.ServiceProvider.GetRequiredService<AuditLogDbContext>().Database;
        await PostgresDatabase.CreateIfMissingAsync(database.GetConnectionString()!, app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("LedgerX.Auth.Audit"));
        database.SetCommandTimeout(PostgresDatabase.MigrationCommandTimeout);
        await database.MigrateAsync();
    }
}
