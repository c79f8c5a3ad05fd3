using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace LedgerX.ServiceDefaults.Telemetry;

internal static class TracingAndMetrics
{
    /// <summary>Services name their ActivitySources and Meters "LedgerX.&lt;Area&gt;" and are picked up without registration.</summary>
    private const string LedgerXSources = "LedgerX.*";

    public static void AddTracingAndMetrics(this IHostApplicationBuilder builder, string serviceName)
    {
        var zipkinEndpoint = ZipkinEndpoint(builder.Configuration);

        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName))
            .WithTracing(tracing =>
            {
                tracing
                    .AddAspNetCoreInstrumentation(options =>
                        options.Filter = context => !DefaultEndpoints.IsProbe(context.Request.Path))
                    .AddHttpClientInstrumentation()
                    .AddGrpcClientInstrumentation()
                    .AddNpgsql()
                    .AddSource(LedgerXSources);
                if (zipkinEndpoint is not null)
                {
                    // Deprecated upstream in favour of OTLP, but Zipkin is what the design and Dapr's own tracing
                    // config target; move both together when the collector speaks OTLP.
#pragma warning disable CS0618
                    tracing.AddZipkinExporter(options => options.Endpoint = zipkinEndpoint);
#pragma warning restore CS0618
                }
            })
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter(LedgerXSources)
                .AddPrometheusExporter());
    }

    /// <summary>No endpoint means no exporter: a developer's machine has no Zipkin, and traces still reach the logs.</summary>
    private static Uri? ZipkinEndpoint(IConfiguration configuration)
    {
        var value = configuration["Observability:ZipkinEndpoint"] ?? configuration["ZIPKIN_ENDPOINT"];
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        // "zipkin:9411" parses as an absolute URI with scheme "zipkin"; only HTTP can reach a collector.
        return Uri.TryCreate(value, UriKind.Absolute, out var endpoint) && endpoint.Scheme is "http" or "https"
            ? endpoint
            : throw new InvalidOperationException($"The Zipkin endpoint '{value}' is not an absolute http(s) URI.");
    }
}
