using Dapr.Client;
using LedgerX.Notifications.Api.Events;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;

namespace LedgerX.Notifications.Api.Delivery;

/// <summary>
/// Sends due notifications (status pending, next attempt reached). Claimed rows are locked (FOR UPDATE SKIP LOCKED), so
/// replicas share the work and never send one row twice at once. A failed attempt is rescheduled with exponential backoff
/// and jitter (the durable schedule lives in the row; Polly retries only within one attempt); after
/// <see cref="DeliveryOptions.MaxAttempts"/> the row is dead and notifications.dead_letter.v1 is published with the reason.
/// </summary>
public sealed partial class Dispatcher(
    IServiceScopeFactory scopes, ChannelSender sender, DaprClient dapr, DeliverySignal signal, TimeProvider clock, IOptions<DeliveryOptions> options,
    ILogger<Dispatcher> logger) : BackgroundService
{
    private readonly DeliveryOptions _options = options.Value;

    private readonly ResiliencePipeline _inCall = new ResiliencePipelineBuilder()
        .AddRetry(new RetryStrategyOptions
        {
            MaxRetryAttempts = Math.Max(options.Value.InCallRetries, 1),
            ShouldHandle = new PredicateBuilder().Handle<Exception>(ex => ex is not OperationCanceledException && options.Value.InCallRetries > 0),
            BackoffType = DelayBackoffType.Exponential, UseJitter = true, Delay = TimeSpan.FromMilliseconds(200),
        })
        .Build();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var claimed = 0;
            try
            {
                claimed = await DispatchOnceAsync(stoppingToken);
                await PublishDeadLettersAsync(stoppingToken);
            }
            // Anything but this host stopping, a timeout\'s OperationCanceledException included (a stalled database or
            // sidecar): an escaped exception would end the loop for good and stop the host.
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                LogPassFailed(logger, ex);
            }
            if (claimed < _options.BatchSize)
            {
                await signal.WaitAsync(TimeSpan.FromMilliseconds(_options.PollIntervalMs), stoppingToken);
            }
        }
    }

    public async Task<int> DispatchOnceAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<DeliveryDbContext>();
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var due = await db.Notifications
            .FromSql($"SELECT * FROM notifications WHERE status = 'pending' AND next_attempt_at <= {clock.GetUtcNow()} ORDER BY next_attempt_at, id LIMIT {_options.BatchSize} FOR UPDATE SKIP LOCKED")
            .ToListAsync(ct);
        foreach (var row in due)
        {
            row.Attempts++;
            try
            {
                await _inCall.ExecuteAsync(async token => await sender.SendAsync(row, token), ct);
                row.Status = NotificationStatus.Sent;
                row.SentAt = clock.GetUtcNow();
                row.LastError = null;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Fail(row, ex.GetBaseException().Message);
            }
        }
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return due.Count;
    }

    private void Fail(NotificationRow row, string error)
    {
        row.LastError = error[..Math.Min(error.Length, 2000)];
        var now = clock.GetUtcNow();
        if (row.Attempts >= _options.MaxAttempts)
        {
            row.Status = NotificationStatus.Dead;
            row.DeadAt = now;
            row.DeadLetterEventId = Guid.CreateVersion7(now);
            row.DeadLetterPublishedAt = null;
            LogDead(logger, row.Id, row.Channel, row.Attempts, row.LastError);
            return;
        }
        row.NextAttemptAt = now + Backoff(row.Attempts);
        LogRetry(logger, row.Id, row.Channel, row.Attempts, row.LastError);
    }

    /// <summary>Exponential from the base, capped, with up to 20 % jitter so rows that failed together do not retry together.</summary>
    private TimeSpan Backoff(int attempts)
    {
        var exponential = _options.BackoffBaseMs * Math.Pow(2, Math.Min(attempts - 1, 20));
        return TimeSpan.FromMilliseconds(Math.Min(exponential, _options.BackoffMaxMs) * (1 + (Random.Shared.NextDouble() * 0.2)));
    }

    /// <summary>Publishes notifications.dead_letter.v1 for rows that died since the last pass (at least once: the CloudEvent id
    /// is the row's dead-letter event id, so consumers dedupe).</summary>
    public async Task PublishDeadLettersAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<DeliveryDbContext>();
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var dead = await db.Notifications
            .FromSql($"SELECT * FROM notifications WHERE status = 'dead' AND dead_letter_published_at IS NULL ORDER BY dead_at LIMIT {_options.BatchSize} FOR UPDATE SKIP LOCKED")
            .ToListAsync(ct);
        foreach (var row in dead)
        {
            var letter = NotificationDeadLettered.From(row);
            await dapr.PublishEventAsync(Components.PubSub, Topics.NotificationDeadLetter, letter,
                new Dictionary<string, string> { ["cloudevent.id"] = letter.EventId.ToString(), ["cloudevent.type"] = Topics.NotificationDeadLetter }, ct);
            row.DeadLetterPublishedAt = clock.GetUtcNow();
        }
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Dispatcher pass failed; retrying after the poll interval")]
    private static partial void LogPassFailed(ILogger logger, Exception ex);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Notification {Id} ({Channel}) failed on attempt {Attempts}: {Reason}; rescheduled")]
    private static partial void LogRetry(ILogger logger, Guid id, string channel, int attempts, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Notification {Id} ({Channel}) is dead after {Attempts} attempts: {Reason}")]
    private static partial void LogDead(ILogger logger, Guid id, string channel, int attempts, string reason);
}
