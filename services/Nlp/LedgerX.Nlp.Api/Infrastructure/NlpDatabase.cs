using LedgerX.Nlp.Api.Questions.Persistence;
using LedgerX.ServiceDefaults.Data;
using LedgerX.ServiceDefaults.Secrets;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Microsoft.Extensions.Options;

namespace LedgerX.Nlp.Api.Infrastructure;

/// <summary>
/// nlp-service's database (<c>ConnectionStrings:Nlp</c>, <c>ledgerx_nlp</c>). One module has tables so far (questions),
/// with its own migrations history <c>__ef_migrations_questions</c> as notification-service's modules have, so a second
/// module can add its own DbContext beside it without sharing a snapshot.
/// </summary>
public static class NlpDatabase
{
    public const string ConnectionStringName = "Nlp";

    /// <summary>Where the connection string is kept: a key of the Dapr secret store (components/secrets.json locally, the
    /// chart's Secret in a cluster), read at start-up (docs/adr/0025-credentials-from-the-secret-store.md).</summary>
    public static readonly ServiceSecret DatabaseSecret = ServiceSecret.ConnectionString(ConnectionStringName, "nlp-connection-string");

    /// <summary>What <c>dotnet ef migrations add</c> builds the model with (it touches no database).</summary>
    internal const string DesignTimeConnectionString = "Host=localhost;Database=ledgerx_nlp_design";

    public static string ConnectionString(IConfiguration configuration) => configuration.GetBoundedConnectionString(ConnectionStringName);

    public static WebApplicationBuilder AddNlpDatabase(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var connectionString = ConnectionString(builder.Configuration);
        builder.Services.AddDbContextPool<QuestionsDbContext>(options => Configure(options, connectionString));
        builder.Services.AddHealthChecks().AddNpgSqlReadyCheck(connectionString);
        builder.AddDatabaseBreaker<QuestionsDbContext>();
        return builder;
    }

    /// <summary>Creates the database on a first start, then migrates (EF Core locks the history table, so replicas
    /// starting together do not race).</summary>
    public static async Task MigrateNlpDatabaseAsync(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.Services.GetService<IStartupValidator>()?.Validate();
        await PostgresDatabase.CreateIfMissingAsync(ConnectionString(app.Configuration), app.Logger);
        await using var scope = app.Services.CreateAsyncScope();
        var database = scope.ServiceProvider.GetRequiredService<QuestionsDbContext>().Database;
        database.SetCommandTimeout(PostgresDatabase.MigrationCommandTimeout);
        await database.MigrateAsync();
    }

    internal static DbContextOptionsBuilder Configure(DbContextOptionsBuilder options, string connectionString) =>
        options.UseNpgsql(connectionString, npgsql => npgsql.MigrationsHistoryTable($"__ef_migrations_{QuestionsDbContext.Module}"))
            .UseSnakeCaseNamingConvention();
}

/// <summary>Lets <c>dotnet ef migrations add … --context QuestionsDbContext</c> build the model without a database.</summary>
internal sealed class QuestionsDesignTimeFactory : IDesignTimeDbContextFactory<QuestionsDbContext>
{
    public QuestionsDbContext CreateDbContext(string[] args) =>
        new((DbContextOptions<QuestionsDbContext>)NlpDatabase.Configure(new DbContextOptionsBuilder<QuestionsDbContext>(), NlpDatabase.DesignTimeConnectionString).Options);
}
