using System.Data.Common;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LedgerX.ServiceDefaults.Telemetry;

/// <summary>
/// Metrics read from a service's own tables every <see cref="PollInterval"/> (queue depths, the age of the oldest
/// waiting row, what finished since the last poll) rather than hooked into the code that does the work: every replica
/// reports the same truth whichever replica did the work, and that code stays unaware of metrics (ADR 0021). A failed
/// read keeps the last values, since a gap would look like recovery.
/// </summary>
public abstract class PolledMetrics(TimeProvider clock, ILogger logger) : BackgroundService
{
    /// <summary>Fresh enough for a 5-15 s scrape; one or two small indexed queries per replica per poll.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(10);

    protected TimeProvider Clock { get; } = clock;

    /// <summary>One read of the tables; public so that tests poll instead of waiting for the interval.</summary>
    public abstract Task PollOnceAsync(CancellationToken ct);

    protected sealed override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await PollOnceAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is DbException or TimeoutException or InvalidOperationException)
            {
                // The database is away or not migrated yet: keep the last values and try again.
                logger.LogWarning(ex, "Reading {Metrics} failed; trying again after {PollInterval}", GetType().Name, PollInterval);
            }
            await Task.Delay(PollInterval, Clock, stoppingToken);
        }
    }
}
