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

    /// <summary>
    /// The Dapr Workflow SDK's spans: an activity's span is started from the context the engine hands it (the request
    /// that started the workflow), and only a listened-to source starts one, so without it a saga step's ledger write
    /// and its events would fall out of the request's trace.
    /// </summary>
    private const string DaprWorkflowSource = "Dapr.Workflow";

    public static void AddTracingAndMetrics(this IHostApplicationBuilder builder, string serviceName)
    {
        var zipkinEndpoint = ZipkinEndpoint(builder.Configuration);
        var otlpEndpoint = OtlpEndpoint(builder.Configuration);
        var samplingRatio = SamplingRatio(builder.Configuration);

        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName))
            .WithTracing(tracing =>
            {
                // Parent-based: a request that arrives sampled (the sidecar's or the client's traceparent says so) is
                // recorded whatever the ratio, so one trace is never half there; the ratio decides only for new traces.
                tracing
                    .SetSampler(new ParentBasedSampler(new TraceIdRatioBasedSampler(samplingRatio)))
                    .AddAspNetCoreInstrumentation(options =>
                        options.Filter = context => !DefaultEndpoints.IsProbe(context.Request.Path))
                    .AddHttpClientInstrumentation()
                    .AddGrpcClientInstrumentation()
                    .AddNpgsql()
                    .AddSource(LedgerXSources, DaprWorkflowSource);
                if (zipkinEndpoint is not null)
                {
                    // Deprecated upstream in favour of OTLP, but Zipkin is what the design and Dapr's own tracing
                    // config target; move both together when the collector speaks OTLP.
#pragma warning disable CS0618
                    tracing.AddZipkinExporter(options => options.Endpoint = zipkinEndpoint);
#pragma warning restore CS0618
                }

                if (otlpEndpoint is { } otlp)
                {
                    // The exporter reads the OTEL_EXPORTER_OTLP_* variables itself (endpoint, protocol, headers), and
                    // appends /v1/traces under http/protobuf only to an endpoint it read: Observability:OtlpEndpoint gets
                    // it here, as the logs' export does (Logging/OtlpLogExport.cs).
                    tracing.AddOtlpExporter(options =>
                    {
                        if (otlp.FromOption)
                        {
                            options.Endpoint = options.Protocol == OpenTelemetry.Exporter.OtlpExportProtocol.HttpProtobuf
                                ? new Uri(otlp.Endpoint.ToString().TrimEnd('/') + TracesPath)
                                : otlp.Endpoint;
                        }
                    });
                }
            })
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter(LedgerXSources)
                .AddPrometheusExporter());
    }

    /// <summary>
    /// "Observability:OtlpEndpoint", else the standard OTEL_EXPORTER_OTLP_ENDPOINT (an OpenTelemetry collector, or any
    /// backend that takes OTLP); neither means no OTLP exporter. The exporter's default protocol is gRPC (port 4317).
    /// </summary>
    private static (Uri Endpoint, bool FromOption)? OtlpEndpoint(IConfiguration configuration)
    {
        if (HttpEndpoint(configuration[OtlpEndpointOption], "OTLP") is { } own)
        {
            return (own, true);
        }

        return HttpEndpoint(configuration[OtlpEndpointVariable], "OTLP") is { } standard ? (standard, false) : null;
    }

    private const string OtlpEndpointOption = "Observability:OtlpEndpoint";
    private const string OtlpEndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>The traces' path under <c>http/protobuf</c>, which the SDK appends only to an endpoint it read itself.</summary>
    private const string TracesPath = "/v1/traces";

    /// <summary>"Observability:SamplingRatio" (0 to 1) of new traces recorded; 1 by default, so every request has a trace.</summary>
    private static double SamplingRatio(IConfiguration configuration)
    {
        var value = configuration["Observability:SamplingRatio"];
        if (string.IsNullOrWhiteSpace(value))
        {
            return 1.0;
        }

        return double.TryParse(value, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var ratio) && ratio is >= 0 and <= 1
            ? ratio
            : throw new InvalidOperationException($"Observability:SamplingRatio '{value}' is not a number from 0 to 1.");
    }

    /// <summary>No endpoint means no exporter: a developer's machine has no Zipkin, and traces still reach the logs.</summary>
    private static Uri? ZipkinEndpoint(IConfiguration configuration) =>
        HttpEndpoint(configuration["Observability:ZipkinEndpoint"] ?? configuration["ZIPKIN_ENDPOINT"], "Zipkin");

    private static Uri? HttpEndpoint(string? value, string what)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        // "zipkin:9411" parses as an absolute URI with scheme "zipkin"; only HTTP can reach a collector.
        return Uri.TryCreate(value, UriKind.Absolute, out var endpoint) && endpoint.Scheme is "http" or "https"
            ? endpoint
            : throw new InvalidOperationException($"The {what} endpoint '{value}' is not an absolute http(s) URI.");
    }
}
