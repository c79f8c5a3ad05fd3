using LedgerX.Transactions.Api;
using LedgerX.Transactions.Api.Apis;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
await builder.AddSecretStoreConfigurationAsync(LedgerRegistration.DatabaseSecret);
builder.AddLedgerXAuthentication();
builder.AddLedger();
builder.AddReversals();
builder.AddLedgerApi();

var app = builder.Build();

app.UseServiceDefaults();
app.UseLedgerXAuthentication();
app.MapDefaultEndpoints();
app.MapApiReference();

app.MapAccountsApi();
app.MapMovementsApi();
app.MapHoldsApi();
app.MapLedgerLogApi();
app.MapReversalsApi();

if (await app.MigrateLedgerDatabaseAsync())
{
    await app.RunAsync();
}

/// <summary>Visible to the integration tests' WebApplicationFactory.</summary>
public partial class Program;
