using LedgerX.Auth.Api;
using LedgerX.Auth.Api.Apis;
using LedgerX.Auth.Api.Connect;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
await builder.AddSecretStoreConfigurationAsync(AuthRegistration.DatabaseSecret);
builder.AddAuthStore();
builder.AddAuthorizationServer();
builder.AddExternalProviders();
builder.AddAuditLog();
builder.AddAuthApi();

var app = builder.Build();

app.UseServiceDefaults();
// The audit log subscribes to audit.recorded.v1: Dapr delivers CloudEvents and asks /dapr/subscribe.
app.UseCloudEvents();
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
app.MapAuditLogApi();
app.MapSubscribeHandler();

await app.PrepareAuthAsync();
await app.MigrateAuditLogAsync();
await app.RunAsync();

/// <summary>Visible to the integration tests' WebApplicationFactory.</summary>
public partial class Program;
