using LedgerX.Notifications.Api.Infrastructure.Persistence;
using LedgerX.ServiceDefaults.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace LedgerX.Notifications.Api;

/// <summary>What notification-service adds on top of the service defaults, before its modules.</summary>
public static class NotificationsRegistration
{
    /// <summary>The one database every module's DbContext uses (see <see cref="ModuleDatabase"/>), its readiness check and the clock (the DaprClient comes with the service defaults).</summary>
    public static WebApplicationBuilder AddNotificationsDatabase(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddHealthChecks().AddNpgSqlReadyCheck(ModuleDatabase.ConnectionString(builder.Configuration));
        return builder;
    }

    /// <summary>Strict JSON (an unknown field is an error) and the OpenAPI document.</summary>
    public static WebApplicationBuilder AddNotificationsApi(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.ConfigureHttpJsonOptions(json =>
            json.SerializerOptions.UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow);
        return builder.AddOpenApiDocument("LedgerX notification-service",
            "Notifications of what happens to a customer's accounts (money in and out, holds, reversals, fraud flags, security " +
            "events) by e-mail, SMS, push and webhooks, each as the customer's preferences say, and a live feed. Amounts are " +
            "integers in minor units of their ISO 4217 currency.");
    }

    /// <summary>Creates the database on a first start, then applies every module's pending migrations, one module after the
    /// other (EF Core locks each module's history table, so replicas starting together do not race).</summary>
    public static async Task MigrateNotificationsDatabaseAsync(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.Services.GetService<IStartupValidator>()?.Validate();
        await PostgresDatabase.CreateIfMissingAsync(ModuleDatabase.ConnectionString(app.Configuration), app.Logger);
        await using var scope = app.Services.CreateAsyncScope();
        foreach (var module in app.Services.GetServices<ModuleContext>())
        {
            var context = (DbContext)scope.ServiceProvider.GetRequiredService(module.ContextType);
            await context.Database.MigrateAsync();
        }
    }
}
