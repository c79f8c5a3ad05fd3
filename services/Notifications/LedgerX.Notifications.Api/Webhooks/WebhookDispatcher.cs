using LedgerX.Notifications.Api.Webhooks.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace LedgerX.Notifications.Api.Webhooks;

/// <summary>
/// Sends due deliveries. A round claims a batch with <c>FOR UPDATE SKIP LOCKED</c> (replicas never claim the same row)
/// and moves each claimed row's due time to the end of a lease, then sends outside any transaction, then records the
/// outcomes (attempt log, schedule, endpoint health) in one transaction that locks the endpoints concerned. A replica
/// that dies mid-send leaves its rows to come due again when the lease ends: the receiver gets the same
/// <c>LedgerX-Webhook-Id</c> again and dedupes it (at-least-once delivery, exactly-once intent).
/// </summary>
public sealed class WebhookDispatcher(
    IServiceScopeFactory scopes, WebhookSender sender, WebhookDispatchSignal signal, TimeProvider clock,
    IOptions<WebhookOptions> options, ILogger<WebhookDispatcher> logger) : BackgroundService
{
    private readonly WebhookOptions _options = options.Value;

    /// <summary>How long a claimed delivery is left alone: longer than any attempt can take (connect + request timeout).</summary>
    public TimeSpan Lease => TimeSpan.FromMilliseconds((2L * _options.RequestTimeoutMs) + _options.ConnectTimeoutMs + 5_000);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var claimed = 0;
            try
            {
                claimed = await DispatchOnceAsync(stoppingToken);
            }
            // Anything but this host stopping, a timeout\'s OperationCanceledException included (a stalled database or
            // sidecar): an escaped exception would end the loop for good and stop the host.
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogError(ex, "Webhook dispatch round failed; retrying after the poll interval");
            }
            if (claimed < _options.BatchSize)
            {
                await signal.WaitAsync(TimeSpan.FromMilliseconds(_options.PollIntervalMs), stoppingToken);
            }
        }
    }

    /// <summary>One round: claim, send concurrently, record. Returns how many deliveries it claimed.</summary>
    public async Task<int> DispatchOnceAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<WebhooksDbContext>();
        var now = clock.GetUtcNow();
        var leaseEnd = now + Lease;
        var claimed = await db.Deliveries.FromSql($"""
            UPDATE webhook_deliveries SET next_attempt_at = {leaseEnd}
            WHERE id IN (
                SELECT d.id FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
                WHERE d.status = 'pending' AND d.next_attempt_at <= {now} AND e.enabled
                ORDER BY d.next_attempt_at LIMIT {_options.BatchSize}
                FOR UPDATE OF d SKIP LOCKED)
            RETURNING *
            """).AsNoTracking().ToListAsync(ct);
        if (claimed.Count == 0)
        {
            return 0;
        }
        var endpointIds = claimed.Select(d => d.EndpointId).Distinct().ToList();
        var endpoints = await db.Endpoints.AsNoTracking().Where(e => endpointIds.Contains(e.Id)).ToDictionaryAsync(e => e.Id, ct);
        var results = await Task.WhenAll(claimed
            .Where(d => endpoints.ContainsKey(d.EndpointId))
            .Select(async d => (Delivery: d, Result: await sender.SendAsync(endpoints[d.EndpointId], d, ct))));
        await RecordAsync(db, results, ct);
        return claimed.Count;
    }

    private async Task RecordAsync(WebhooksDbContext db, IReadOnlyList<(WebhookDeliveryRow Delivery, AttemptResult Result)> results, CancellationToken ct)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var endpointIds = results.Select(r => r.Delivery.EndpointId).Distinct().Order().ToArray();
        // In id order, so two replicas recording for the same endpoints never deadlock.
        var endpoints = await db.Endpoints
            .FromSql($"SELECT * FROM webhook_endpoints WHERE id = ANY({endpointIds}) ORDER BY id FOR UPDATE")
            .ToDictionaryAsync(e => e.Id, ct);
        var deliveryIds = results.Select(r => r.Delivery.Id).ToArray();
        var deliveries = await db.Deliveries.Where(d => deliveryIds.Contains(d.Id)).ToDictionaryAsync(d => d.Id, ct);
        var disabled = new List<WebhookEndpointRow>();
        foreach (var (claimedRow, result) in results.OrderBy(r => r.Result.StartedAt))
        {
            // Deleted with its endpoint while in flight: nothing left to record.
            if (!deliveries.TryGetValue(claimedRow.Id, out var delivery) || !endpoints.TryGetValue(delivery.EndpointId, out var endpoint))
            {
                continue;
            }
            db.Attempts.Add(new WebhookAttemptRow
            {
                DeliveryId = delivery.Id,
                StartedAt = result.StartedAt,
                StatusCode = result.StatusCode,
                LatencyMs = result.LatencyMs,
                Error = result.Error is { } e ? WebhookDeliveries.Truncate(e, WebhooksDbContext.MaxErrorLength) : null,
                ResponseBody = result.ResponseBody,
            });
            var now = clock.GetUtcNow();
            var retryIn = result.Succeeded ? null : RetrySchedule.NextDelay(delivery.FailedAttempts + 1, _options, Random.Shared.NextDouble());
            var outcome = WebhookDeliveries.Record(delivery, result.StatusCode, result.Error, now, retryIn);
            var (health, disableReason) = EndpointHealth.After(
                new EndpointHealth.State(endpoint.ConsecutiveDeadDeliveries, endpoint.FailingSince), outcome, now, _options);
            endpoint.ConsecutiveDeadDeliveries = health.ConsecutiveDeadDeliveries;
            endpoint.FailingSince = health.FailingSince;
            if (outcome == EndpointHealth.Outcome.Dead)
            {
                logger.LogWarning("Webhook delivery {DeliveryId} to endpoint {EndpointId} is dead after {Attempts} attempts: {Reason}",
                    delivery.Id, endpoint.Id, delivery.FailedAttempts, delivery.LastError);
            }
            if (disableReason is not null && endpoint.Enabled)
            {
                endpoint.Enabled = false;
                endpoint.DisabledAt = now;
                endpoint.DisabledReason = disableReason;
                endpoint.UpdatedAt = now;
                disabled.Add(endpoint);
                logger.LogWarning("Webhook endpoint {EndpointId} of user {UserId} disabled: {Reason}", endpoint.Id, endpoint.UserId, disableReason);
            }
        }
        foreach (var endpoint in disabled)
        {
            WebhookAudit.Disabled(db, clock, endpoint);
        }
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
    }
}
