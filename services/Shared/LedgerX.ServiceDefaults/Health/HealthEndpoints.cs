using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace LedgerX.ServiceDefaults.Health;

internal static class HealthEndpoints
{
    public static IHealthChecksBuilder AddDaprSidecarReadyCheck(this IHealthChecksBuilder builder)
    {
        builder.Services.AddValidatedOptions<DaprSidecarCheckOptions>(DaprSidecarCheckOptions.SectionName);
        builder.Services.AddHttpClient<DaprSidecarHealthCheck>();
        return builder.AddCheck<DaprSidecarHealthCheck>(DaprSidecarHealthCheck.Name, tags: [HealthCheckTags.Ready]);
    }

    public static void MapHealthEndpoints(this IEndpointRouteBuilder endpoints)
    {
        // Liveness runs no check: a restart cures a wedged process, never a database or sidecar outage.
        // Probes carry no tokens, hence anonymous.
        endpoints.MapHealthChecks(DefaultEndpoints.Liveness, new HealthCheckOptions
        {
            Predicate = _ => false,
            ResponseWriter = WriteReportAsync,
        }).AllowAnonymous();
        endpoints.MapHealthChecks(DefaultEndpoints.Readiness, new HealthCheckOptions
        {
            Predicate = registration => registration.Tags.Contains(HealthCheckTags.Ready),
            ResponseWriter = WriteReportAsync,
        }).AllowAnonymous();
    }

    private static Task WriteReportAsync(HttpContext context, HealthReport report) =>
        context.Response.WriteAsJsonAsync(
            new HealthReportBody(
                report.Status.ToString(),
                Math.Round(report.TotalDuration.TotalMilliseconds, 1),
                [.. report.Entries.Select(entry => new HealthCheckBody(
                    entry.Key,
                    entry.Value.Status.ToString(),
                    entry.Value.Description,
                    Math.Round(entry.Value.Duration.TotalMilliseconds, 1)))]),
            JsonSerializerOptions.Web);

    private sealed record HealthReportBody(string Status, double TotalDurationMs, IReadOnlyList<HealthCheckBody> Checks);

    private sealed record HealthCheckBody(string Name, string Status, string? Description, double DurationMs);
}
