using LedgerX.Gateway.Api.Observability;
using LedgerX.Gateway.Api.OpenApi;
using LedgerX.Gateway.Api.RateLimiting;
using LedgerX.Gateway.Api.Routing;
using LedgerX.Gateway.Api.Security;
using LedgerX.Gateway.Api.Versioning;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddManagementMetrics();
builder.AddGatewayEdge();
builder.AddRequestLimits();
builder.AddGatewayAuthentication();
builder.AddGatewayRateLimits();
builder.AddApiVersioning();
builder.AddMergedOpenApi();
builder.AddGatewayRouting();

var app = builder.Build();

app.UseRequestId();
app.UseServiceDefaults();
app.UseSecurityHeaders();
app.UseUnsafePathGuard();
app.UseRequestLimits();
app.UseGatewayEdge();
app.UseDeprecationHeaders();
app.UseAuthentication();
app.UseGatewayRateLimits();
app.UseAuthorization();
app.UseRequestTimeouts();

// Probes only: the gateway's /metrics is on its management listener (Gateway:MetricsUrl), not where clients call.
app.MapDefaultEndpoints(metrics: false);
app.MapSidecarAppChannel();
app.MapMergedOpenApi();
app.MapMigrationGuide();
app.MapGatewayRoutes();

await app.RunAsync();

/// <summary>Visible to the integration tests' WebApplicationFactory.</summary>
public partial class Program;
