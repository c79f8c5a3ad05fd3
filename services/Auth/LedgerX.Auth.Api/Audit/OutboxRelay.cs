using LedgerX.ServiceDefaults.Telemetry;
using System.Text;
using Dapr.Client;
using LedgerX.Auth.Api.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace LedgerX.Auth.Api.Audit;

/// <summary>"Auth:Outbox": how the relay polls and backs off.</summary>
public sealed class OutboxOptions
{
    public const string Section = "Auth:Outbox";

    [System.ComponentModel.DataAnnotations.Range(1, 1000)] public int BatchSize { get; set; } = 100;
    [System.ComponentModel.DataAnnotations.Range(10, 60_000)] public int PollIntervalMs { get; set; } = 1000;
    [System.ComponentModel.DataAnnotations.Range(10, 3_600_000)] public int BackoffMaxMs { get; set; } = 60_000;
}

/// <summary>
/// Publishes the account messages (auth.account_message.v1) of the <c>outbox</c> table to pub/sub; audit events go
/// through the shared audit outbox instead. A row is written in the same transaction as
/// its change, so a change that committed is published at least once (the CloudEvent id is the event id, so consumers
/// deduplicate). Claimed rows are locked (SKIP LOCKED), so replicas share the work.
/// </summary>
public sealed partial class OutboxRelay(
    IServiceScopeFactory scopes, DaprClient dapr, TimeProvider clock, IOptions<OutboxOptions> options, ILogger<OutboxRelay> logger) : BackgroundService
{
    public const string PubSub = "pubsub";
    private readonly OutboxOptions _options = options.Value;

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
                LogPassFailed(logger, ex);
            }
            if (claimed < _options.BatchSize)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(_options.PollIntervalMs), clock, stoppingToken);
            }
        }
    }

    public async Task<int> RelayOnceAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AuthDbContext>();
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var due = await db.Outbox
            .FromSql($"SELECT * FROM outbox WHERE sent_at IS NULL AND next_attempt_at <= {clock.GetUtcNow()} ORDER BY id LIMIT {_options.BatchSize} FOR UPDATE SKIP LOCKED")
            .ToListAsync(ct);
        foreach (var row in due)
        {
            // Under the context the row was written in (ADR 0023), so the consumers continue that trace.
            using var span = new OutboxTrace(row.TraceParent, row.TraceState).StartPublish(row.Topic, row.EventId);
            try
            {
                await dapr.PublishByteEventAsync(PubSub, row.Topic, Encoding.UTF8.GetBytes(row.Payload), "application/json",
                    new Dictionary<string, string> { ["cloudevent.id"] = row.EventId.ToString(), ["cloudevent.type"] = row.Topic }, ct);
                row.SentAt = clock.GetUtcNow();
                row.LastError = null;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                var error = ex.GetBaseException().Message;
                row.LastError = error[..Math.Min(error.Length, 2000)];
                // Doubling from one second, capped: a broker outage is retried without hammering it.
                var backoffMs = Math.Min(_options.BackoffMaxMs, 1000d * Math.Pow(2, Math.Min(row.Attempts, 20)));
                row.NextAttemptAt = clock.GetUtcNow() + TimeSpan.FromMilliseconds(backoffMs);
                LogPublishFailed(logger, row.Topic, row.EventId, row.Attempts + 1, error);
            }
            row.Attempts++;
        }
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return due.Count;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Outbox relay pass failed; retrying after the poll interval")]
    private static partial void LogPassFailed(ILogger logger, Exception ex);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing {Topic} event {EventId} failed on attempt {Attempt}: {Reason}")]
    private static partial void LogPublishFailed(ILogger logger, string topic, Guid eventId, int attempt, string reason);
}
