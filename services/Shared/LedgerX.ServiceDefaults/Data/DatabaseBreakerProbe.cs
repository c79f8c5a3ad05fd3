using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace LedgerX.ServiceDefaults.Data;

/// <summary>
/// Brings an open <see cref="DatabaseBreaker{TContext}"/> back: once it has opened, tries a <c>SELECT 1</c> every break
/// duration until one succeeds and closes it. Nothing restarts; a database that comes back is used again within about
/// a break duration.
/// </summary>
internal sealed class DatabaseBreakerProbe<TContext>(DatabaseBreaker<TContext> breaker, IServiceScopeFactory scopes, TimeProvider clock)
    : BackgroundService
    where TContext : DbContext
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await breaker.WaitUntilOpenedAsync(stoppingToken);
                while (breaker.IsOpen)
                {
                    await Task.Delay(breaker.BreakDuration, clock, stoppingToken);
                    try
                    {
                        await breaker.ProbeAsync(SelectOneAsync, stoppingToken);
                    }
                    catch (Exception) when (!stoppingToken.IsCancellationRequested)
                    {
                        // Still gone: the breaker stays open (it logged its opening); try again after another break.
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The host stops.
        }
    }

    /// <summary>On the context's own connection (its pool and settings), opened directly: EF's gate would refuse it.</summary>
    private async Task SelectOneAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var connection = scope.ServiceProvider.GetRequiredService<TContext>().Database.GetDbConnection();
        await connection.OpenAsync(ct);
        try
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT 1";
            await command.ExecuteScalarAsync(ct);
        }
        finally
        {
            await connection.CloseAsync();
        }
    }
}

/// <summary>Readiness says when the breaker is open: the service is refusing whatever needs its database.</summary>
internal sealed class DatabaseBreakerHealthCheck<TContext>(DatabaseBreaker<TContext> breaker) : IHealthCheck
    where TContext : DbContext
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(breaker.IsOpen
            ? new HealthCheckResult(context.Registration.FailureStatus,
                "The database stopped answering and its circuit breaker is open; requests that need it are answered 503 until a probe succeeds.")
            : HealthCheckResult.Healthy());
}
