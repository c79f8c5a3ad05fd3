using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace LedgerX.ServiceDefaults.Health;

internal sealed class NpgSqlReadyCheck(string connectionString) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync(cancellationToken);
            await using var command = new NpgsqlCommand("SELECT 1", connection);
            await command.ExecuteScalarAsync(cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (NpgsqlException exception)
        {
            // Probes see the description; the exception names hosts and users, so it goes to the logs only.
            return new HealthCheckResult(context.Registration.FailureStatus, "PostgreSQL is not reachable.", exception);
        }
    }
}
