using System.ComponentModel.DataAnnotations;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace LedgerX.ServiceDefaults.Health;

/// <summary>Configuration section <c>Health:DaprSidecar</c>.</summary>
internal sealed class DaprSidecarCheckOptions
{
    public const string SectionName = "Health:DaprSidecar";

    /// <summary>The sidecar is on localhost; a slow answer means it is not ready, and probes have their own short deadline.</summary>
    [Range(100, 30_000)]
    public int TimeoutMs { get; set; } = 1_000;
}

/// <summary>Every LedgerX service talks to the world only through its sidecar, so it is not ready without one.</summary>
internal sealed class DaprSidecarHealthCheck(
    HttpClient http, IConfiguration configuration, IOptions<DaprSidecarCheckOptions> options) : IHealthCheck
{
    public const string Name = "dapr-sidecar";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var healthz = HealthzUri(configuration);
        var timeoutMs = options.Value.TimeoutMs;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(timeoutMs);
        try
        {
            using var response = await http.GetAsync(healthz, timeout.Token);
            return response.IsSuccessStatusCode
                ? HealthCheckResult.Healthy()
                : Failed(context, $"The Dapr sidecar at {healthz} answered {(int)response.StatusCode}.");
        }
        catch (HttpRequestException exception)
        {
            return Failed(context, $"The Dapr sidecar at {healthz} is not reachable.", exception);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return Failed(context, $"The Dapr sidecar at {healthz} did not answer within {timeoutMs} ms.");
        }
    }

    /// <summary>Same precedence as the Dapr SDK: an explicit endpoint, else a port on localhost, else 3500.</summary>
    private static Uri HealthzUri(IConfiguration configuration)
    {
        var endpoint = configuration["DAPR_HTTP_ENDPOINT"];
        if (string.IsNullOrWhiteSpace(endpoint))
        {
            var port = configuration["DAPR_HTTP_PORT"];
            endpoint = string.Create(CultureInfo.InvariantCulture, $"http://localhost:{(string.IsNullOrWhiteSpace(port) ? "3500" : port)}");
        }

        return new Uri(new Uri(endpoint), "/v1.0/healthz");
    }

    private static HealthCheckResult Failed(HealthCheckContext context, string description, Exception? exception = null) =>
        new(context.Registration.FailureStatus, description, exception);
}
