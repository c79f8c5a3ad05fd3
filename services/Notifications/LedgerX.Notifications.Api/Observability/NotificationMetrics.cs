using System.Data.Common;
using System.Diagnostics.Metrics;
using LedgerX.Notifications.Api.Delivery;
using Microsoft.EntityFrameworkCore;

namespace LedgerX.Notifications.Api.Observability;

/// <summary>
/// Notification delivery as metrics (meter <c>LedgerX.Notifications.Delivery</c>), read from the <c>notifications</c>
/// table every <see cref="PollInterval"/> so that every replica's dispatcher is counted the same way and the dispatcher
/// stays unaware of them: deliveries by channel and outcome (sent, dead), and the rows outstanding by channel and status
/// (pending: the delivery queue's depth; dead: the dead letters an operator has to look at).
/// </summary>
public sealed class NotificationMetrics : BackgroundService
{
    public const string MeterName = "LedgerX.Notifications.Delivery";

    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(10);

    /// <summary>A row stamped sent_at/dead_at commits within this long (the dispatcher's one transaction per batch), so
    /// a poll counts rows stamped up to this long ago: each row once, none missed.</summary>
    private static readonly TimeSpan CommitSlack = TimeSpan.FromSeconds(5);

    private readonly IServiceScopeFactory _scopes;
    private readonly TimeProvider _clock;
    private readonly ILogger<NotificationMetrics> _logger;
    private readonly Counter<long> _deliveries;
    private volatile IReadOnlyList<(string Channel, string Status, long Count)> _outstanding = [];
    private DateTimeOffset _countedUntil;

    public NotificationMetrics(IServiceScopeFactory scopes, TimeProvider clock, IMeterFactory meters, ILogger<NotificationMetrics> logger)
    {
        _scopes = scopes;
        _clock = clock;
        _logger = logger;
        // Only deliveries made while this replica runs: a restart must not count old ones again.
        _countedUntil = clock.GetUtcNow() - CommitSlack;
        var meter = meters.Create(MeterName);
        _deliveries = meter.CreateCounter<long>("ledgerx.notifications.deliveries",
            description: "Notifications that reached a final state, by channel and outcome (sent, dead).");
        meter.CreateObservableGauge("ledgerx.notifications.outstanding", ObserveOutstanding,
            description: "Notification rows by channel and status: pending (waiting to be sent) and dead (given up on).");
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await PollOnceAsync(stoppingToken);
            }
            catch (DbException ex)
            {
                // The database is away: keep the last values (a gap would look like recovery) and try again.
                _logger.LogWarning(ex, "Reading notification metrics failed; trying again after {PollInterval}", PollInterval);
            }
            await Task.Delay(PollInterval, _clock, stoppingToken);
        }
    }

    /// <summary>One read of the table; public for tests, which poll instead of waiting for the interval.</summary>
    public async Task PollOnceAsync(CancellationToken ct)
    {
        await using var scope = _scopes.CreateAsyncScope();
        var connection = scope.ServiceProvider.GetRequiredService<DeliveryDbContext>().Database.GetDbConnection();
        await connection.OpenAsync(ct);

        var outstanding = new List<(string, string, long)>();
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT channel, status, count(*) FROM notifications WHERE status IN ('pending', 'dead') GROUP BY channel, status";
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                outstanding.Add((reader.GetString(0), reader.GetString(1), reader.GetInt64(2)));
            }
        }

        var until = _clock.GetUtcNow() - CommitSlack;
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = """
                SELECT channel, status, count(*) FROM notifications
                WHERE (status = 'sent' AND sent_at > @from AND sent_at <= @until) OR (status = 'dead' AND dead_at > @from AND dead_at <= @until)
                GROUP BY channel, status
                """;
            AddParameter(command, "from", _countedUntil);
            AddParameter(command, "until", until);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                _deliveries.Add(reader.GetInt64(2),
                    new KeyValuePair<string, object?>("channel", reader.GetString(0)), new KeyValuePair<string, object?>("outcome", reader.GetString(1)));
            }
        }

        _countedUntil = until;
        _outstanding = outstanding;
    }

    private static void AddParameter(DbCommand command, string name, DateTimeOffset value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }

    private IEnumerable<Measurement<long>> ObserveOutstanding() =>
        _outstanding.Select(o => new Measurement<long>(o.Count,
            new KeyValuePair<string, object?>("channel", o.Channel), new KeyValuePair<string, object?>("status", o.Status)));
}
