using LedgerX.Notifications.Api.Intake;
using LedgerX.Notifications.Api.Webhooks.Persistence;
using Microsoft.EntityFrameworkCore;

namespace LedgerX.Notifications.Api.Webhooks;

/// <summary>
/// Intake's hand-over to webhooks: one pending delivery per enabled endpoint of the user that wants the kind. The
/// insert skips a (endpoint, event) pair that exists, so a redelivered event, a retry after another sink failed, or a
/// restart creates nothing twice: exactly-once intent; the dispatcher then delivers at least once, same id every time.
/// </summary>
public sealed class WebhookSink(WebhooksDbContext db, TimeProvider clock, WebhookDispatchSignal signal) : IUserEventSink
{
    public async Task AcceptAsync(UserEvent e, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(e);
        var endpoints = await db.Endpoints.AsNoTracking()
            .Where(x => x.UserId == e.UserId && x.Enabled)
            .Select(x => new { x.Id, x.EventTypes })
            .ToListAsync(ct);
        var created = 0;
        foreach (var endpoint in endpoints.Where(x => WebhookEventTypes.Wants(x.EventTypes, e.Kind)))
        {
            var d = WebhookDeliveries.For(endpoint.Id, e, clock.GetUtcNow());
            created += await db.Database.ExecuteSqlInterpolatedAsync($"""
                INSERT INTO webhook_deliveries (id, endpoint_id, event_id, user_id, type, payload, created_at, status, failed_attempts, next_attempt_at)
                VALUES ({d.Id}, {d.EndpointId}, {d.EventId}, {d.UserId}, {d.Type}, {d.Payload}, {d.CreatedAt}, {d.Status}, 0, {d.NextAttemptAt})
                ON CONFLICT (endpoint_id, event_id) DO NOTHING
                """, ct);
        }
        if (created > 0)
        {
            signal.Notify();
        }
    }
}
