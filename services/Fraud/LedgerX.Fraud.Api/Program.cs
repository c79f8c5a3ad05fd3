using LedgerX.Fraud.Api;
using LedgerX.Fraud.Api.Apis;
using LedgerX.Fraud.Api.Subscriptions;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
await builder.AddSecretStoreConfigurationAsync(FraudRegistration.DatabaseSecret);
builder.AddLedgerXAuthentication();
builder.AddFraudDetection();
builder.AddFraudApi();

var app = builder.Build();

app.UseServiceDefaults();
app.UseLedgerXAuthentication();
app.UseCloudEvents(new() { ForwardCloudEventPropertiesAsHeaders = true });
app.MapDefaultEndpoints();
app.MapApiReference();
app.MapSubscribeHandler();
app.MapActorsHandlers();

app.MapTransactionPostedSubscription();
app.MapHoldCreatedSubscription();
app.MapAccountOpenedSubscription();
app.MapAlertsApi();
app.MapRiskProfilesApi();

await app.MigrateFraudDatabaseAsync();
await app.RunAsync();

/// <summary>Visible to the integration tests' WebApplicationFactory.</summary>
public partial class Program;
