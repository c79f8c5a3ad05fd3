using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using Dapr.Workflow;
using LedgerX.ServiceDefaults.Secrets;
using LedgerX.Transactions.Api.Infrastructure;
using LedgerX.Transactions.Api.Infrastructure.Persistence;
using LedgerX.Transactions.Api.Ledger;
using LedgerX.Transactions.Api.Observability;
using LedgerX.Transactions.Api.Reversals;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace LedgerX.Transactions.Api;

/// <summary>What transaction-service adds on top of the service defaults.</summary>
public static class LedgerRegistration
{
    public const string ConnectionStringName = "Ledger";

    /// <summary>Where the connection string is kept: a key of the Dapr secret store (components/secrets.json locally, the
    /// chart's Secret in a cluster), read at start-up (docs/adr/0025-credentials-from-the-secret-store.md).</summary>
    public static readonly ServiceSecret DatabaseSecret = ServiceSecret.ConnectionString(ConnectionStringName, "ledger-connection-string");

    /// <summary>The ledger: database, the group-commit writer, the outbox relay, maintenance, verification and the audit outbox.</summary>
    public static WebApplicationBuilder AddLedger(this WebApplicationBuilder builder)
    {
        var connectionString = builder.Configuration.GetConnectionString(ConnectionStringName)
            ?? throw new InvalidOperationException($"Connection string '{ConnectionStringName}' is not configured (ConnectionStrings__{ConnectionStringName}).");

        builder.Services.AddValidatedOptions<LedgerOptions>(LedgerOptions.Section);
        builder.Services.AddValidatedOptions<OutboxOptions>(OutboxOptions.Section);
        builder.Services.AddValidatedOptions<LedgerDatabaseOptions>(LedgerDatabaseOptions.Section);
        builder.Services.AddSingleton<TimeProvider>(new MicrosecondClock(TimeProvider.System));

        // The data source is built now, so its options are bound and validated now too (failing as fast as ValidateOnStart).
        var timeouts = builder.Configuration.GetSection(LedgerDatabaseOptions.Section).Get<LedgerDatabaseOptions>() ?? new LedgerDatabaseOptions();
        Validator.ValidateObject(timeouts, new ValidationContext(timeouts), validateAllProperties: true);
        var dataSource = new NpgsqlDataSourceBuilder(LedgerDatabase.WithTimeouts(connectionString, timeouts)) { Name = "ledger" }.Build();
        builder.Services.AddSingleton(dataSource);
        builder.Services.AddDbContextPool<LedgerDbContext>(options => options.UseNpgsql(dataSource).UseSnakeCaseNamingConvention());
        builder.Services.AddHealthChecks().AddNpgSqlReadyCheck(connectionString);

        builder.Services.AddSingleton<LedgerMetrics>();
        builder.Services.AddSingleton<OutboxSignal>();
        builder.Services.AddSingleton<LedgerVerifier>();
        builder.Services.AddSingleton<LedgerWriter>();
        builder.Services.AddHostedService(services => services.GetRequiredService<LedgerWriter>());
        builder.Services.AddSingleton<OutboxRelay>();
        builder.Services.AddHostedService(services => services.GetRequiredService<OutboxRelay>());
        builder.Services.AddSingleton<LedgerMaintenance>();
        builder.Services.AddHostedService(services => services.GetRequiredService<LedgerMaintenance>());
        builder.AddAuditOutbox<LedgerDbContext>();
        return builder;
    }

    /// <summary>Reversals as sagas on Dapr Workflow. The workflow worker connects to the sidecar's gRPC endpoint
    /// (DAPR_GRPC_ENDPOINT) in the background, so the service starts and serves the ledger without one.</summary>
    public static WebApplicationBuilder AddReversals(this WebApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<ReversalOptions>(ReversalOptions.Section);
        builder.Services.AddSingleton<IReversalSteps, ReversalSteps>();
        builder.Services.AddSingleton<ReversalSagaClient>();
        builder.Services.AddSingleton<ReversalSagaStartQueue>();
        builder.Services.AddHostedService<ReversalSagaStarter>();
        builder.Services.AddSingleton<Apis.ReversalApprovals>();
        builder.Services.AddSingleton<ReversalSweeper>();
        builder.Services.AddHostedService(services => services.GetRequiredService<ReversalSweeper>());
        builder.Services.AddSingleton<ReversalMetrics>();
        builder.Services.AddHostedService(services => services.GetRequiredService<ReversalMetrics>());
        builder.Services.AddDaprWorkflow(workflows =>
        {
            workflows.RegisterWorkflow<ReversalWorkflow>(ReversalWorkflow.Name);
            workflows.RegisterActivity<ValidateReversalActivity>(nameof(ValidateReversalActivity));
            workflows.RegisterActivity<HoldReversalFundsActivity>(nameof(HoldReversalFundsActivity));
            workflows.RegisterActivity<PostReversingEntryActivity>(nameof(PostReversingEntryActivity));
            workflows.RegisterActivity<NotifyReversalCompletedActivity>(nameof(NotifyReversalCompletedActivity));
            workflows.RegisterActivity<VoidReversalHoldActivity>(nameof(VoidReversalHoldActivity));
            workflows.RegisterActivity<CompensateReversingEntryActivity>(nameof(CompensateReversingEntryActivity));
            workflows.RegisterActivity<FailReversalActivity>(nameof(FailReversalActivity));
            workflows.RegisterActivity<RecordReversalStepActivity>(nameof(RecordReversalStepActivity));
            workflows.RegisterActivity<ReadApprovalDecisionActivity>(nameof(ReadApprovalDecisionActivity));
        });
        return builder;
    }

    /// <summary>The HTTP API's conventions: strict JSON (an unknown or misspelt field is an error, not silently
    /// ignored) and an OpenAPI document per API version.</summary>
    public static WebApplicationBuilder AddLedgerApi(this WebApplicationBuilder builder)
    {
        builder.Services.ConfigureHttpJsonOptions(json =>
            json.SerializerOptions.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow);
        const string title = "LedgerX transaction-service";
        const string about = "The double-entry ledger: accounts, money movements, holds, history, verification and reversal sagas. " +
                             "Every route needs an access token granting its permission; without accounts:any a caller sees and debits only their own accounts.";
        builder.AddOpenApiDocument(title, $"{about} Amounts are integers in minor units of their ISO 4217 currency, next to a currency field.",
            Apis.ApiVersion.V1.Name);
        return builder.AddOpenApiDocument(title,
            $"{about} Money is one object, {{ \"amount\": <integer minor units>, \"currency\": \"<ISO 4217>\" }} (the breaking change from v1).",
            Apis.ApiVersion.V2.Name);
    }

    /// <summary>Applies pending migrations (as the owner role when <c>ConnectionStrings:LedgerMigrations</c> is set), or
    /// checks that none are pending, as <c>Ledger:Migrations</c> says; returns false when the process should exit
    /// instead of serving (an init step). EF Core takes a database lock while migrating, so replicas starting together
    /// do not race.</summary>
    public static Task<bool> MigrateLedgerDatabaseAsync(this WebApplication app) =>
        LedgerMigrations.RunAsync(app.Services, app.Configuration, app.Logger, app.Lifetime.ApplicationStopping);
}
