using LedgerX.Analytics.Api;
using LedgerX.Analytics.Api.Apis;
using LedgerX.Analytics.Api.Subscriptions;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
await builder.AddSecretStoreConfigurationAsync(AnalyticsRegistration.DatabaseSecret);
builder.AddLedgerXAuthentication();
builder.AddReadModels();
builder.AddLedgerReplay();
builder.AddAnalyticsApi();

var app = builder.Build();

app.UseServiceDefaults();
app.UseLedgerXAuthentication();
app.UseCloudEvents();
app.MapDefaultEndpoints();
app.MapSubscribeHandler();
app.MapApiReference();

app.MapTransactionPostedSubscription();
app.MapAccountOpenedSubscription();
app.MapHoldSubscriptions();
app.MapReversalSubscriptions();
app.MapFraudFlaggedSubscription();

app.MapAccountAnalyticsApi();
app.MapLedgerAnalyticsApi();
app.MapRebuildApi();

await app.MigrateAnalyticsDatabaseAsync();
await app.RunAsync();

/// <summary>Visible to the integration tests' WebApplicationFactory.</summary>
public partial class Program;
