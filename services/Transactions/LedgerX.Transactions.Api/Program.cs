using LedgerX.Transactions.Api;
using LedgerX.Transactions.Api.Apis;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddLedger();
builder.AddLedgerApi();

var app = builder.Build();

app.UseServiceDefaults();
app.MapDefaultEndpoints();
app.MapLedgerApiReference();

app.MapAccountsApi();
app.MapMovementsApi();
app.MapHoldsApi();
app.MapLedgerLogApi();

await app.MigrateLedgerDatabaseAsync();
await app.RunAsync();

/// <summary>Visible to the integration tests' WebApplicationFactory.</summary>
public partial class Program;
