using LedgerX.Notifications.Api.Delivery;
using LedgerX.Notifications.Api.Webhooks.Persistence;
using Microsoft.EntityFrameworkCore;

namespace LedgerX.Notifications.Api.Webhooks;

/// <summary>Dead webhook deliveries for the operators' dead-letter API (channel <c>webhook</c>); a replay is a
/// redelivery: same id and body, a fresh retry schedule.</summary>
public sealed class WebhookDeadLetters(WebhooksDbContext db, TimeProvider clock, WebhookDispatchSignal signal) : IDeadLetterSource
{
    public const string ChannelName = "webhook";

    public string Channel => ChannelName;

    public async Task<IReadOnlyList<DeadLetter>> ListAsync(int limit, CancellationToken ct) =>
        [.. (await db.Deliveries.AsNoTracking()
                .Where(d => d.Status == DeliveryStatus.Dead)
                .OrderByDescending(d => d.DeadAt).ThenByDescending(d => d.Id)
                .Take(limit)
                .ToListAsync(ct))
            .Select(d => new DeadLetter(d.Id, ChannelName, d.UserId, d.EventId, d.LastError ?? "", d.FailedAttempts, d.DeadAt!.Value))];

    public async Task<bool> ReplayAsync(Guid id, CancellationToken ct)
    {
        if (await db.Deliveries.FirstOrDefaultAsync(d => d.Id == id && d.Status == DeliveryStatus.Dead, ct) is not { } delivery)
        {
            return false;
        }
        WebhookDeliveries.Redeliver(delivery, clock.GetUtcNow());
        await db.SaveChangesAsync(ct);
        signal.Notify();
        return true;
    }
}
