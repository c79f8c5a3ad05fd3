using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Dapr.Actors.Client;
using Dapr.Client;
using LedgerX.Fraud.Api.Actors;
using LedgerX.Fraud.Api.Alerts;
using LedgerX.Fraud.Api.Infrastructure;
using LedgerX.Fraud.Api.Infrastructure.Persistence;
using LedgerX.Fraud.Api.Policy;
using LedgerX.Fraud.Api.ServiceIdentity;
using LedgerX.Fraud.Domain.Rules;
using LedgerX.Fraud.Domain.Scoring;
using LedgerX.ServiceDefaults.Apis;
using LedgerX.ServiceDefaults.Data;
using LedgerX.ServiceDefaults.Secrets;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Refit;

namespace LedgerX.Fraud.Api;

/// <summary>What fraud-service adds on top of the service defaults.</summary>
public static class FraudRegistration
{
    public const string ConnectionStringName = "Fraud";

    /// <summary>Where the connection string is kept: a key of the Dapr secret store (components/secrets.json locally, the
    /// chart's Secret in a cluster), read at start-up (docs/adr/0025-credentials-from-the-secret-store.md).</summary>
    public static readonly ServiceSecret DatabaseSecret = ServiceSecret.ConnectionString(ConnectionStringName, "fraud-connection-string");

    /// <summary>Scoring (validated rules), the risk-profile actors, the alert database, the outbox relay and the
    /// high-score policy with its typed transaction-service client.</summary>
    public static WebApplicationBuilder AddFraudDetection(this WebApplicationBuilder builder)
    {
        var connectionString = builder.Configuration.GetBoundedConnectionString(ConnectionStringName);

        builder.Services.AddValidatedOptions<FraudOptions>(FraudOptions.Section);
        builder.Services.AddSingleton<IValidateOptions<FraudOptions>, FraudOptionsValidator>();
        builder.Services.AddValidatedOptions<DispatchOptions>(DispatchOptions.Section);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(services =>
            new RiskScorer(RuleCatalog.Build(services.GetRequiredService<IOptions<FraudOptions>>().Value.Definitions()).Rules!));

        builder.Services.AddDbContextPool<FraudDbContext>(options => options.UseNpgsql(connectionString).UseSnakeCaseNamingConvention());
        builder.Services.AddHealthChecks().AddNpgSqlReadyCheck(connectionString);
        // A partitioned database answers 503 fast instead of holding every route until the gateway's timeout (ADR 0029).
        builder.AddDatabaseBreaker<FraudDbContext>();

        // The SDK reads the sidecar's address from environment variables only; configuration (what tests and
        // appsettings set) is honoured here too, with the same precedence.
        var sidecarHttp = SidecarHttpEndpoint(builder.Configuration);
        var apiToken = builder.Configuration["DAPR_API_TOKEN"];
        builder.Services.AddActors(options =>
        {
            options.Actors.RegisterActor<AccountRiskActor>(AccountRiskActor.TypeName);
            options.HttpEndpoint = sidecarHttp;
            if (apiToken is not null)
            {
                options.DaprApiToken = apiToken;
            }
            // Idle profiles leave memory; their state stays in the actor state store.
            options.ActorIdleTimeout = TimeSpan.FromMinutes(15);
        });
        var proxyOptions = new ActorProxyOptions { HttpEndpoint = sidecarHttp, RequestTimeout = TimeSpan.FromSeconds(30) };
        if (apiToken is not null)
        {
            proxyOptions.DaprApiToken = apiToken;
        }
        builder.Services.AddSingleton<IActorProxyFactory>(new ActorProxyFactory(proxyOptions));

        builder.Services.AddSingleton<FraudMetrics>();
        builder.Services.AddSingleton<DispatchSignals>();
        builder.Services.AddScoped<AlertRecorder>();
        builder.Services.AddScoped<Access.AccountOwners>();
        builder.Services.AddHostedService<OutboxRelay>();
        builder.AddServiceIdentity(sidecarHttp, apiToken);
        builder.Services.AddSingleton(services => CreateTransactionServiceClient(
            services.GetRequiredService<IHttpClientFactory>().CreateClient(TransactionServiceHttpClient)));
        builder.Services.AddHostedService<PolicyWorker>();
        builder.AddAuditOutbox<FraudDbContext>();
        return builder;
    }

    /// <summary>The HttpClient of the policy actions: transaction-service by service invocation, with fraud-service's own token.</summary>
    public const string TransactionServiceHttpClient = "transaction-service";

    /// <summary>fraud-service's own OAuth client (client credentials from auth-service, through the sidecar) and the
    /// invocation client of transaction-service that sends its token. Dapr's InvocationHandler rewrites
    /// <c>http://{app-id}/path</c> to the sidecar's invoke API and adds the Dapr API token.</summary>
    private static void AddServiceIdentity(this WebApplicationBuilder builder, string sidecarHttp, string? apiToken)
    {
        builder.Services.AddValidatedOptions<ServiceTokenOptions>(ServiceTokenOptions.Section);
        builder.Services.AddSingleton<ServiceTokenSource>();
        builder.Services.AddTransient<ServiceTokenHandler>();
        builder.Services.AddHttpClient(ServiceTokenSource.HttpClientName)
            .ConfigurePrimaryHttpMessageHandler(() => Invocation(sidecarHttp, apiToken));
        builder.Services.AddHttpClient(TransactionServiceHttpClient,
                http => http.BaseAddress = new Uri($"http://{Events.Components.TransactionService}/"))
            .AddHttpMessageHandler<ServiceTokenHandler>()
            .ConfigurePrimaryHttpMessageHandler(() => Invocation(sidecarHttp, apiToken));
    }

    // InvocationHandler takes the Dapr API token only from the environment; the one from configuration is added here.
    private static HttpMessageHandler Invocation(string sidecarHttp, string? apiToken) =>
        new InvocationHandler { DaprEndpoint = sidecarHttp, InnerHandler = new SidecarApiToken(apiToken) { InnerHandler = new SocketsHttpHandler() } };

    /// <summary>The typed transaction-service client over <paramref name="http"/>, with the serializer settings it is
    /// registered with: Dapr's invocation HttpClient in the service, a Pact mock server in the consumer contract tests.</summary>
    public static ITransactionServiceClient CreateTransactionServiceClient(HttpClient http) =>
        RestService.For<ITransactionServiceClient>(http,
            new RefitSettings(new SystemTextJsonContentSerializer(new JsonSerializerOptions(JsonSerializerDefaults.Web))));

    /// <summary>Strict JSON (an unknown field is an error) and the OpenAPI document.</summary>
    public static WebApplicationBuilder AddFraudApi(this WebApplicationBuilder builder)
    {
        builder.Services.ConfigureHttpJsonOptions(json =>
            json.SerializerOptions.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow);
        return builder.AddOpenApiDocument("LedgerX fraud-service",
            "Fraud alerts scored from the ledger's events, with the reasons for each score, and per-account risk profiles. " +
            "Amounts are integers in minor units of their ISO 4217 currency; in v2 an amount and its currency are one object.",
            [.. ApiVersion.All]);
    }

    /// <summary>Applies pending migrations (EF Core takes a database lock, so replicas starting together do not race).
    /// Options are validated first, so that a bad rule stops the start with its own message, before the database is touched.</summary>
    public static async Task MigrateFraudDatabaseAsync(this WebApplication app)
    {
        app.Services.GetService<IStartupValidator>()?.Validate();
        await using var scope = app.Services.CreateAsyncScope();
        var database = scope.ServiceProvider.GetRequiredService<FraudDbContext>().Database;
        // A first start's missing database is created quietly first; EF Core would log its absence as an error.
        await PostgresDatabase.CreateIfMissingAsync(database.GetConnectionString()!, app.Logger);
        database.SetCommandTimeout(PostgresDatabase.MigrationCommandTimeout);
        await database.MigrateAsync();
    }

    /// <summary>Same precedence as the Dapr SDK: an explicit endpoint, else a port on localhost, else 3500.</summary>
    internal static string SidecarHttpEndpoint(IConfiguration configuration) =>
        configuration["DAPR_HTTP_ENDPOINT"] is { Length: > 0 } endpoint ? endpoint
        : string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{(configuration["DAPR_HTTP_PORT"] is { Length: > 0 } port ? port : "3500")}");
}
