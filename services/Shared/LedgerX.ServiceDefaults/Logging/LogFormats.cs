using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace LedgerX.ServiceDefaults.Logging;

/// <summary>How a service writes its log events to stdout.</summary>
public enum LogFormat
{
    /// <summary>One JSON object per line (compact Serilog JSON with trace and span ids), for log shippers.</summary>
    Json,

    /// <summary>One readable line per event (<c>12:04:31.250 INF OutboxRelay: ...</c>), for a person at a terminal.</summary>
    Text,
}

/// <summary>
/// Picks the log format. Logs are shipped (collected and parsed) from containers and Kubernetes and from any
/// non-Development run, so those get JSON; a Development run outside a container is a person reading a terminal
/// (<c>./ledgerx up</c>, <c>dapr run -f .</c>, an IDE), so it gets text. <c>LEDGERX_LOG_FORMAT</c> overrides both ways.
/// </summary>
public static class LogFormats
{
    /// <summary>Setting (environment variable or configuration key) that forces a format: <c>json</c> or <c>text</c>.</summary>
    public const string Setting = "LEDGERX_LOG_FORMAT";

    public static LogFormat Choose(IConfiguration configuration, IHostEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(environment);

        if (configuration[Setting] is { } chosen && !string.IsNullOrWhiteSpace(chosen))
        {
            return chosen.Trim().ToUpperInvariant() switch
            {
                "JSON" => LogFormat.Json,
                "TEXT" => LogFormat.Text,
                _ => throw new InvalidOperationException($"{Setting} is '{chosen}'; use json or text."),
            };
        }

        return environment.IsDevelopment() && !IsShipped(configuration) ? LogFormat.Text : LogFormat.Json;
    }

    /// <summary>
    /// In a container or a Kubernetes pod a collector reads stdout: the .NET container images set
    /// <c>DOTNET_RUNNING_IN_CONTAINER=true</c>, and Kubernetes sets <c>KUBERNETES_SERVICE_HOST</c> in every pod.
    /// </summary>
    private static bool IsShipped(IConfiguration configuration) =>
        string.Equals(configuration["DOTNET_RUNNING_IN_CONTAINER"], "true", StringComparison.OrdinalIgnoreCase)
        || !string.IsNullOrEmpty(configuration["KUBERNETES_SERVICE_HOST"]);
}
