using LedgerX.Auth.Api;
using LedgerX.Auth.Api.Apis;
using LedgerX.Auth.Api.Connect;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddAuthStore();
builder.AddAuthorizationServer();
builder.AddExternalProviders();
builder.AddAuthApi();

var app = builder.Build();

app.UseServiceDefaults();
app.UseAuthentication();
app.UseAuthorization();
app.UseAntiforgery();
app.MapDefaultEndpoints();
app.MapApiReference();

app.MapConnectApi();
app.MapSignInPages();
app.MapExternalSignIn();
app.MapDeviceVerification();
app.MapUsersApi();
app.MapAdminUsersApi();

await app.PrepareAuthAsync();
await app.RunAsync();

/// <summary>Visible to the integration tests' WebApplicationFactory.</summary>
public partial class Program;
