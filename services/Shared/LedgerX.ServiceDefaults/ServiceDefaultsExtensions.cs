using System.Text.Json;
using LedgerX.ServiceDefaults;
using LedgerX.ServiceDefaults.Data;
using LedgerX.ServiceDefaults.Health;
using LedgerX.ServiceDefaults.Http;
using LedgerX.ServiceDefaults.Json;
using LedgerX.ServiceDefaults.Logging;
using LedgerX.ServiceDefaults.Errors;
using LedgerX.ServiceDefaults.Telemetry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// The plumbing every LedgerX service shares, so a service's Program.cs only states what is its own:
/// <c>builder.AddServiceDefaults()</c>, then <c>app.UseServiceDefaults()</c> and <c>app.MapDefaultEndpoints()</c>.
/// </summary>
public static class ServiceDefaultsExtensions
{
    /// <summary>
    /// Adds console logging (JSON, or readable text in a Development run outside containers), OTLP log export (when
    /// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set), tracing and metrics,
    /// liveness and readiness checks (including the Dapr sidecar), RFC 9457 problem details, strict request JSON, the
    /// request body limit and the Dapr client.
    /// </summary>
    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);

        // `dapr run` and the Dapr injector set APP_ID, so traces and logs carry the same name as the sidecar's.
        var serviceName = builder.Configuration["APP_ID"] ?? builder.Environment.ApplicationName;

        builder.AddConsoleLogging(serviceName);
        builder.AddOtlpLogExport();
        builder.AddTracingAndMetrics(serviceName);
        builder.Services.AddHealthChecks().AddDaprSidecarReadyCheck();
        builder.Services.AddRfc9457ProblemDetails();
        builder.Services.AddStrictRequestJson();
        builder.Services.AddRequestBodyLimit();
        builder.Services.AddDaprClient(client =>
            client.UseJsonSerializationOptions(new JsonSerializerOptions(JsonSerializerDefaults.Web)));
        return builder;
    }

    /// <summary>
    /// Adds request logging, the exception handler and status code pages, so every error leaves as
    /// <c>application/problem+json</c>, refuses calls that do not come from the app's own Dapr sidecar (when
    /// <c>APP_API_TOKEN</c> is set) and NUL characters in query values. Call it before any other middleware.
    /// </summary>
    public static IApplicationBuilder UseServiceDefaults(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);

        // Outermost, so the request log records the status that the exception handler settles on.
        app.UseRequestLogging();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        // Before authentication and every endpoint: a caller other than the sidecar learns nothing else.
        app.UseAppApiTokenGuard();
        app.UseNulCharacterGuard();
        // Inside the exception handler: a request whose database call outlives its bound is answered 503 at once.
        app.UseDatabaseWaitBound();
        return app;
    }

    /// <summary>Maps <c>/healthz</c> (liveness), <c>/readyz</c> (readiness) and, unless <paramref name="metrics"/> is
    /// false, <c>/metrics</c> (Prometheus). The gateway passes false: its port faces clients, so it serves its metrics on
    /// a management listener of its own instead (Gateway:MetricsUrl).</summary>
    public static IEndpointRouteBuilder MapDefaultEndpoints(this IEndpointRouteBuilder endpoints, bool metrics = true)
    {
        ArgumentNullException.ThrowIfNull(endpoints);

        endpoints.MapHealthEndpoints();
        if (metrics)
        {
            // Scrapers carry no tokens; the metrics hold no customer data.
            endpoints.MapPrometheusScrapingEndpoint(DefaultEndpoints.Metrics).AllowAnonymous();
        }

        return endpoints;
    }
}
