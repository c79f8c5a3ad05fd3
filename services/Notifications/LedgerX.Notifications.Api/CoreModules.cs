using LedgerX.Notifications.Api.Delivery;
using LedgerX.Notifications.Api.Infrastructure.Persistence;
using LedgerX.Notifications.Api.Intake;
using LedgerX.Notifications.Api.Preferences;
using LedgerX.Notifications.Api.Templates;

namespace LedgerX.Notifications.Api;

/// <summary>The core modules: intake (subscriptions, projections, UserEvents), preferences, and delivery (templates,
/// notifications outbox, dispatcher, dead letters of e-mail, SMS and push).</summary>
public static class CoreModules
{
    public static WebApplicationBuilder AddIntake(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddModuleDbContext<IntakeDbContext>(IntakeDbContext.Module);
        builder.Services.AddValidatedOptions<IntakeOptions>(IntakeOptions.Section);
        builder.Services.AddScoped<Projections>();
        builder.Services.AddScoped<IContactDirectory>(services => services.GetRequiredService<Projections>());
        builder.Services.AddScoped<IntakePipeline>();
        return builder;
    }

    public static WebApplicationBuilder AddPreferences(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddModuleDbContext<PreferencesDbContext>(PreferencesDbContext.Module);
        builder.Services.AddScoped<PreferencesStore>();
        return builder;
    }

    public static WebApplicationBuilder AddDelivery(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddModuleDbContext<DeliveryDbContext>(DeliveryDbContext.Module);
        builder.Services.AddValidatedOptions<DeliveryOptions>(DeliveryOptions.Section);
        builder.Services.AddSingleton<TemplateLibrary>();
        builder.Services.AddSingleton<DeliverySignal>();
        builder.Services.AddSingleton<ChannelSender>();
        builder.Services.AddScoped<IUserEventSink, NotificationSink>();
        foreach (var channel in Channels.All)
        {
            builder.Services.AddScoped<IDeadLetterSource>(services => new ChannelDeadLetters(channel,
                services.GetRequiredService<DeliveryDbContext>(), services.GetRequiredService<DeliverySignal>(), services.GetRequiredService<TimeProvider>()));
        }
        builder.Services.AddHostedService<Dispatcher>();
        builder.Services.AddHostedService<Observability.NotificationMetrics>();
        return builder;
    }
}
