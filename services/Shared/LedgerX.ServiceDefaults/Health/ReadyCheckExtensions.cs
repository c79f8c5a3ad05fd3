using LedgerX.ServiceDefaults;
using LedgerX.ServiceDefaults.Health;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Microsoft.Extensions.DependencyInjection;

public static class ReadyCheckExtensions
{
    /// <summary>
    /// Adds a readiness check, run on <c>/readyz</c>, that opens a connection to <paramref name="connectionString"/>
    /// and runs <c>SELECT 1</c>.
    /// </summary>
    /// <param name="timeout">
    /// Bounds the check (default 2 s); without it a down database holds the probe for Npgsql's 15 s connect timeout.
    /// </param>
    public static IHealthChecksBuilder AddNpgSqlReadyCheck(
        this IHealthChecksBuilder builder, string connectionString, string name = "postgres", TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);

        return builder.Add(new HealthCheckRegistration(
            name,
            _ => new NpgSqlReadyCheck(connectionString),
            HealthStatus.Unhealthy,
            [HealthCheckTags.Ready],
            timeout ?? TimeSpan.FromSeconds(2)));
    }
}
