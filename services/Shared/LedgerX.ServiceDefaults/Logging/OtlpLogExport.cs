using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Logs;

namespace LedgerX.ServiceDefaults.Logging;

/// <summary>
/// Ships every log event by OTLP (to an OpenTelemetry Collector, which forwards to Loki, Elasticsearch or any OTLP
/// backend; docs/observability.md) when the standard OpenTelemetry settings name an endpoint. Configured, not coded:
/// the SDK itself reads <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>, <c>OTEL_EXPORTER_OTLP_PROTOCOL</c> (<c>grpc</c>, the default, or <c>http/protobuf</c>), <c>OTEL_EXPORTER_OTLP_HEADERS</c>
/// and the batch settings <c>OTEL_BLRP_*</c>, from the environment or any configuration source (the signal-specific
/// <c>OTEL_EXPORTER_OTLP_LOGS_*</c> variables it reads only under <c>UseOtlpExporter</c>, which is not used here). Each record carries the
/// trace and span ids of the activity current when it was logged, the service name as a resource attribute, the
/// rendered message as its body and the event's properties as attributes. No endpoint, no exporter: stdout stays the
/// only sink.
/// </summary>
internal static class OtlpLogExport
{
    /// <summary>The base endpoint of all signals; the exporter appends <c>/v1/logs</c> under <c>http/protobuf</c>.</summary>
    public const string EndpointSetting = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>The configuration key traces take their OTLP endpoint from too (Telemetry/); it wins over <see cref="EndpointSetting"/>.</summary>
    public const string EndpointOption = "Observability:OtlpEndpoint";

    /// <summary>The signal's path under <c>http/protobuf</c>, which the SDK appends only to an endpoint it read itself.</summary>
    private const string LogsPath = "/v1/logs";

    public static bool IsConfigured(IConfiguration configuration) =>
        !string.IsNullOrWhiteSpace(configuration[EndpointOption]) || !string.IsNullOrWhiteSpace(configuration[EndpointSetting]);

    /// <summary>
    /// Registers the OpenTelemetry logger provider with the OTLP exporter. Serilog owns the logger factory
    /// (<see cref="ConsoleLogging"/>) and forwards each event to the registered Microsoft logger providers, which this
    /// is the only one of; the forwarding is synchronous, so <see cref="System.Diagnostics.Activity.Current"/> is
    /// still the request's when the record takes its trace context.
    /// </summary>
    public static void AddOtlpLogExport(this IHostApplicationBuilder builder)
    {
        if (!IsConfigured(builder.Configuration))
        {
            return;
        }

        // The signal's own AddOtlpExporter, not the cross-cutting UseOtlpExporter: the SDK refuses to mix the two,
        // and traces choose their exporters in Telemetry/.
        var ownEndpoint = builder.Configuration[EndpointOption] is { Length: > 0 } value
            ? Uri.TryCreate(value, UriKind.Absolute, out var parsed) && parsed.Scheme is "http" or "https"
                ? parsed
                : throw new InvalidOperationException($"{EndpointOption} '{value}' is not an absolute http(s) URI.")
            : null;
        builder.Services.AddOpenTelemetry().WithLogging(
            logging => logging.AddOtlpExporter(exporter =>
            {
                if (ownEndpoint is not null)
                {
                    exporter.Endpoint = exporter.Protocol == OpenTelemetry.Exporter.OtlpExportProtocol.HttpProtobuf
                        ? new Uri(ownEndpoint.ToString().TrimEnd('/') + LogsPath)
                        : ownEndpoint;
                }
            }),
            options =>
            {
                // The body a person reads in Loki or Kibana; the template stays as the {OriginalFormat} attribute.
                options.IncludeFormattedMessage = true;
                options.IncludeScopes = true;
            });
    }
}
