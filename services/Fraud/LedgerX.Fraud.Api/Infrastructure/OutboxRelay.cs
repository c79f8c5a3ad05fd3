using LedgerX.ServiceDefaults.Telemetry;
using System.Text;
using Dapr.Client;
using LedgerX.Fraud.Api.Events;
using LedgerX.Fraud.Api.Infrastructure.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace LedgerX.Fraud.Api.Infrastructure;

/// <summary>
/// Publishes fraud.flagged.v1 events from the outbox, which is written in the same transaction as their alerts: an
/// alert that did not commit is never published, and one that did is published at least once (the CloudEvent id is the
/// event id, so consumers deduplicate). Claimed rows are locked (SKIP LOCKED), so replicas share the work.
/// </summary>
public sealed class OutboxRelay(
    IServiceScopeFactory scopes, DaprClient dapr, DispatchSignals signals, TimeProvider clock, IOptions<DispatchOptions> options,
    FraudMetrics metrics, ILogger<OutboxRelay> logger) : BackgroundService
{
    private readonly DispatchOptions _options = options.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var claimed = 0;
            try
            {
                claimed = await RelayOnceAsync(stoppingToken);
            }
            // Anything but this host stopping, a timeout\'s OperationCanceledException included (a stalled database or
            // sidecar): an escaped exception would end the loop for good and stop the host.
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogError(ex, "Outbox relay pass failed; retrying after the poll interval");
            }
            if (claimed < _options.BatchSize)
            {
                await signals.WaitForOutboxAsync(TimeSpan.FromMilliseconds(_options.PollIntervalMs), stoppingToken);
            }
        }
    }

    public async Task<int> RelayOnceAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<FraudDbContext>();
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var due = await db.Outbox
            .FromSql($"SELECT * FROM outbox WHERE sent_at IS NULL AND next_attempt_at <= {clock.GetUtcNow()} ORDER BY id LIMIT {_options.BatchSize} FOR UPDATE SKIP LOCKED")
            .ToListAsync(ct);
        var sent = 0;
        foreach (var row in due)
        {
            // Under the context the row was written in (ADR 0023), so the consumers continue that trace.
            using var span = new OutboxTrace(row.TraceParent, row.TraceState).StartPublish(row.Topic, row.EventId);
            try
            {
                await dapr.PublishByteEventAsync(Components.PubSub, row.Topic, Encoding.UTF8.GetBytes(row.Payload), "application/json",
                    new Dictionary<string, string> { ["cloudevent.id"] = row.EventId.ToString(), ["cloudevent.type"] = row.Topic }, ct);
                row.SentAt = clock.GetUtcNow();
                row.LastError = null;
                sent++;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                var error = ex.GetBaseException().Message;
                row.LastError = error[..Math.Min(error.Length, 2000)];
                row.NextAttemptAt = clock.GetUtcNow() + Backoff.For(row.Attempts + 1, _options);
                logger.LogWarning("Publishing {Topic} event {EventId} failed on attempt {Attempt}: {Reason}", row.Topic, row.EventId, row.Attempts + 1, error);
            }
            row.Attempts++;
        }
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        metrics.Published(sent);
        return due.Count;
    }
}
