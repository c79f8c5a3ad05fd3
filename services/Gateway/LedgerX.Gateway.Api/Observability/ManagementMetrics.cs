using System.Globalization;
using System.Text.RegularExpressions;
using OpenTelemetry.Metrics;

namespace LedgerX.Gateway.Api.Observability;

/// <summary>
/// The gateway's own metrics on a management listener of their own (<c>Gateway:MetricsUrl</c>), never on the public
/// port: clients reach the gateway, so a <c>/metrics</c> beside the API would show anyone every route's traffic and
/// latency. The other services keep theirs on their app port, which answers only their sidecar and the scrapers
/// (docs/security.md). The listener is OpenTelemetry's stand-alone Prometheus HttpListener exporter on the same
/// MeterProvider, so the scrape is byte for byte what the app port served before; only where differs.
/// Without the setting no <c>/metrics</c> is served at all (a gateway started by hand, or in a test host).
/// </summary>
internal static partial class ManagementMetrics
{
    public const string Path = "/metrics";

    public static WebApplicationBuilder AddManagementMetrics(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        string? url = builder.Configuration[$"{GatewayOptions.Section}:{nameof(GatewayOptions.MetricsUrl)}"];
        if (string.IsNullOrWhiteSpace(url))
        {
            return builder;
        }

        if (!ListenUrl().IsMatch(url))
        {
            throw new InvalidOperationException(
                $"Gateway:MetricsUrl '{url}' is not http://<host>:<port> (e.g. http://127.0.0.1:9581 locally, http://+:9090 in a pod)");
        }

        // Exactly this prefix: the exporter's own (http://{Host}:{Port}/metrics/) is replaced, since its Host cannot be
        // HttpListener's wildcard, which a pod needs so that the scraper elsewhere reaches it.
        var match = ListenUrl().Match(url);
        string prefix = $"http://{match.Groups["host"].Value}:{match.Groups["port"].Value}{Path}/";
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddPrometheusHttpListener(options =>
        {
            options.Port = int.Parse(match.Groups["port"].Value, CultureInfo.InvariantCulture);
            options.ScrapeEndpointPath = Path;
            options.ConfigureHttpListener = (_, listener) =>
            {
                listener.Prefixes.Clear();
                listener.Prefixes.Add(prefix);
            };
        }));
        return builder;
    }

    // A host (name, address, [IPv6], or HttpListener's + and * for every interface) and an explicit port; no path.
    [GeneratedRegex(@"^http://(?<host>\[[0-9A-Fa-f:.]+\]|[^/:\s\[\]]+):(?<port>[0-9]{1,5})/?$")]
    private static partial Regex ListenUrl();
}
