using LedgerX.Notifications.Api.Infrastructure.Persistence;
using LedgerX.Notifications.Api.Intake;
using Microsoft.EntityFrameworkCore.Design;

namespace LedgerX.Notifications.Api.Live;

/// <summary>The live module (docs/adr/0016-live-updates.md): feed sink, relay, hub, endpoints and subscription.</summary>
public static class LiveRegistration
{
    public const string Module = "live";

    public static WebApplicationBuilder AddLiveFeed(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddValidatedOptions<LiveOptions>(LiveOptions.Section);
        builder.AddModuleDbContext<LiveDbContext>(Module);
        builder.Services.AddSingleton<LiveSignals>();
        builder.Services.AddSingleton<LiveMetrics>();
        builder.Services.AddSingleton<LiveHub>();
        builder.Services.AddScoped<LiveTickets>();
        builder.Services.AddScoped<LiveSession>();
        builder.Services.AddScoped<LiveFeedSink>();
        builder.Services.AddScoped<IUserEventSink>(services => services.GetRequiredService<LiveFeedSink>());
        builder.Services.AddHostedService<LiveFeedRelay>();
        return builder;
    }

    public static WebApplication MapLiveFeed(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseWebSockets();
        // Open streams end with server_shutdown when the host stops, instead of holding shutdown until they time out.
        var hub = app.Services.GetRequiredService<LiveHub>();
        app.Lifetime.ApplicationStopping.Register(() => hub.CloseAll(LiveCloseReasons.ServerShutdown));
        app.MapLiveApi();
        app.MapLiveFeedSubscription();
        return app;
    }
}

/// <summary>For <c>dotnet ef migrations add ... --context LiveDbContext</c>.</summary>
public sealed class LiveDesignTimeFactory : IDesignTimeDbContextFactory<LiveDbContext>
{
    public LiveDbContext CreateDbContext(string[] args) => new(ModuleDatabase.DesignTimeOptions<LiveDbContext>(LiveRegistration.Module));
}
