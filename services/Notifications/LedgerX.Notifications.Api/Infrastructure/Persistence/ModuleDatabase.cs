using LedgerX.ServiceDefaults.Secrets;
using Microsoft.EntityFrameworkCore;

namespace LedgerX.Notifications.Api.Infrastructure.Persistence;

/// <summary>
/// One database (<c>ConnectionStrings:Notifications</c>), one EF Core DbContext per module. Each module owns its tables
/// and its migrations, recorded in its own history table <c>__ef_migrations_{module}</c>, so modules built side by side
/// never share a model snapshot or a migration history. Table names must be unique across modules (each module names
/// its own; none reads another's tables).
/// <para>A module registers its context with <see cref="AddModuleDbContext{TContext}"/> and gives <c>dotnet ef</c> a
/// design-time factory built on <see cref="DesignTimeOptions{TContext}"/>;
/// <see cref="NotificationsRegistration.MigrateNotificationsDatabaseAsync"/> migrates every registered one.</para>
/// </summary>
public static class ModuleDatabase
{
    public const string ConnectionStringName = "Notifications";

    /// <summary>Where the connection string is kept: a key of the Dapr secret store (components/secrets.json locally, the
    /// chart's Secret in a cluster), read at start-up (docs/adr/0025-credentials-from-the-secret-store.md).</summary>
    public static readonly ServiceSecret DatabaseSecret = ServiceSecret.ConnectionString(ConnectionStringName, "notifications-connection-string");

    /// <summary>The connection string dotnet ef uses at design time (no database is touched by <c>migrations add</c>).</summary>
    private const string DesignTimeConnectionString = "Host=localhost;Database=ledgerx_notifications_design";

    public static string HistoryTable(string module) => $"__ef_migrations_{module}";

    public static string ConnectionString(IConfiguration configuration) =>
        configuration.GetConnectionString(ConnectionStringName)
        ?? throw new InvalidOperationException($"Connection string '{ConnectionStringName}' is not configured (ConnectionStrings__{ConnectionStringName}).");

    /// <summary>Registers <typeparamref name="TContext"/> (pooled, snake_case, history table of <paramref name="module"/>)
    /// and lists it for migration at start.</summary>
    public static WebApplicationBuilder AddModuleDbContext<TContext>(this WebApplicationBuilder builder, string module)
        where TContext : DbContext
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(module);
        var connectionString = ConnectionString(builder.Configuration);
        builder.Services.AddDbContextPool<TContext>(options => Configure(options, connectionString, module));
        builder.Services.AddSingleton(new ModuleContext(module, typeof(TContext)));
        return builder;
    }

    /// <summary>Options for a module's <c>IDesignTimeDbContextFactory</c>, identical to those the service runs with.</summary>
    public static DbContextOptions<TContext> DesignTimeOptions<TContext>(string module) where TContext : DbContext =>
        (DbContextOptions<TContext>)Configure(new DbContextOptionsBuilder<TContext>(), DesignTimeConnectionString, module).Options;

    private static DbContextOptionsBuilder Configure(DbContextOptionsBuilder options, string connectionString, string module) =>
        options.UseNpgsql(connectionString, npgsql => npgsql.MigrationsHistoryTable(HistoryTable(module))).UseSnakeCaseNamingConvention();
}

/// <summary>A module's DbContext, registered for migration at start.</summary>
public sealed record ModuleContext(string Module, Type ContextType);
