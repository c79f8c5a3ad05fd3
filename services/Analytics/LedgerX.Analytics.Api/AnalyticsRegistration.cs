using Dapr.Client;
using LedgerX.Analytics.Api.Caching;
using LedgerX.Analytics.Api.Events;
using LedgerX.Analytics.Api.Persistence;
using LedgerX.Analytics.Api.Projections;
using LedgerX.Analytics.Api.Rebuild;
using LedgerX.ServiceDefaults.Apis;
using LedgerX.ServiceDefaults.Data;
using LedgerX.ServiceDefaults.Secrets;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Refit;

namespace LedgerX.Analytics.Api;

/// <summary>What analytics-service adds on top of the service defaults.</summary>
public static class AnalyticsRegistration
{
    public const string ConnectionStringName = "Analytics";

    /// <summary>Where the connection string is kept: a key of the Dapr secret store (components/secrets.json locally, the
    /// chart's Secret in a cluster), read at start-up (docs/adr/0025-credentials-from-the-secret-store.md).</summary>
    public static readonly ServiceSecret DatabaseSecret = ServiceSecret.ConnectionString(ConnectionStringName, "analytics-connection-string");

    /// <summary>The read models: their database, the projection writer and the query cache in the Dapr state store.</summary>
    public static WebApplicationBuilder AddReadModels(this WebApplicationBuilder builder)
    {
        var connectionString = builder.Configuration.GetBoundedConnectionString(ConnectionStringName);

        builder.Services.AddValidatedOptions<AnalyticsOptions>(AnalyticsOptions.Section);
        builder.Services.AddSingleton(TimeProvider.System);
        var dataSource = new NpgsqlDataSourceBuilder(connectionString) { Name = "analytics" }.Build();
        builder.Services.AddSingleton(dataSource);
        builder.Services.AddDbContextPool<AnalyticsDbContext>(options => options.UseNpgsql(dataSource).UseSnakeCaseNamingConvention());
        builder.Services.AddHealthChecks().AddNpgSqlReadyCheck(connectionString);
        builder.AddDatabaseBreaker<AnalyticsDbContext>();

        builder.Services.AddSingleton<AnalyticsMetrics>();
        builder.Services.AddSingleton<QueryCache>();
        builder.Services.AddSingleton<ProjectionWriter>();
        builder.AddAuditOutbox<AnalyticsDbContext>();
        return builder;
    }

    /// <summary>The rebuild: transaction-service's event log through a typed Refit client over Dapr service invocation.</summary>
    public static WebApplicationBuilder AddLedgerReplay(this WebApplicationBuilder builder)
    {
        // The same settings the Dapr SDK reads (DAPR_HTTP_ENDPOINT, else DAPR_HTTP_PORT), but from configuration, so
        // tests and hosts can set them without touching the process environment.
        var daprHttpEndpoint = builder.Configuration["DAPR_HTTP_ENDPOINT"]
            ?? $"http://127.0.0.1:{builder.Configuration["DAPR_HTTP_PORT"] ?? "3500"}";
        var daprApiToken = builder.Configuration["DAPR_API_TOKEN"];
        builder.Services.AddSingleton(_ => CreateLedgerEventLog(
            DaprClient.CreateInvokeHttpClient(AppIds.TransactionService, daprHttpEndpoint, daprApiToken)));
        builder.Services.AddSingleton<ReadModelRebuilder>();
        return builder;
    }

    /// <summary>The typed client of the ledger's event log over <paramref name="http"/>, with the settings it is registered
    /// with: Dapr's invocation HttpClient in the service, a Pact mock server in the consumer contract tests.</summary>
    public static ILedgerEventLog CreateLedgerEventLog(HttpClient http) => RestService.For<ILedgerEventLog>(http);

    /// <summary>The query API's OpenAPI document.</summary>
    public static WebApplicationBuilder AddAnalyticsApi(this WebApplicationBuilder builder)
    {
        return builder.AddOpenApiDocument("LedgerX analytics-service",
            "Read models built from the ledger's and fraud-service's events: balances over time, spending by " +
            "category and month, top counterparties, daily volumes and alert counts. Amounts are integers in " +
            "minor units of their ISO 4217 currency (in v2 an amount and its currency are one object); days and months are UTC.",
            [.. ApiVersion.All]);
    }

    /// <summary>Applies pending migrations (EF Core takes a database lock, so replicas starting together do not race).</summary>
    public static async Task MigrateAnalyticsDatabaseAsync(this WebApplication app)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var database = scope.ServiceProvider.GetRequiredService<AnalyticsDbContext>().Database;
        // A first start's missing database is created quietly first; EF Core would log its absence as an error.
        await PostgresDatabase.CreateIfMissingAsync(database.GetConnectionString()!, app.Logger);
        database.SetCommandTimeout(PostgresDatabase.MigrationCommandTimeout);
        await database.MigrateAsync();
    }
}
