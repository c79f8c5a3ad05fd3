using LedgerX.Notifications.Api;
using LedgerX.Notifications.Api.Apis;
using LedgerX.Notifications.Api.Infrastructure.Persistence;
using LedgerX.Notifications.Api.Intake.Subscriptions;
using LedgerX.Notifications.Api.Live;
using LedgerX.Notifications.Api.Webhooks;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
await builder.AddSecretStoreConfigurationAsync(ModuleDatabase.DatabaseSecret, WebhooksModule.KeyRingSecret);
builder.AddLedgerXAuthentication();
builder.AddNotificationsDatabase();
builder.AddNotificationsApi();
// Modules, each adding its own services and tables (one DbContext per module, see Infrastructure/Persistence):
builder.AddIntake();
builder.AddPreferences();
builder.AddDelivery();
builder.AddWebhooks();
builder.AddLiveFeed();

var app = builder.Build();

app.UseServiceDefaults();
app.UseLedgerXAuthentication();
app.UseCloudEvents(new() { ForwardCloudEventPropertiesAsHeaders = true });
app.MapDefaultEndpoints();
app.MapApiReference();
app.MapSubscribeHandler();
app.MapIntakeSubscriptions();
app.MapPreferencesApi();
app.MapNotificationsApi();
app.MapDeadLettersApi();
app.MapWebhooksApi();
app.MapLiveFeed();

await app.MigrateNotificationsDatabaseAsync();
await app.RunAsync();

/// <summary>Visible to the integration tests' WebApplicationFactory.</summary>
public partial class Program;
