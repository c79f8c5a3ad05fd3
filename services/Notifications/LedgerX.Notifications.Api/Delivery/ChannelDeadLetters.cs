using Microsoft.EntityFrameworkCore;

namespace LedgerX.Notifications.Api.Delivery;

/// <summary>The dead notifications of one channel (email, sms, push), for the operator API. A replay makes the row pending
/// again with fresh attempts: the same row, so the same idempotency key.</summary>
public sealed class ChannelDeadLetters(string channel, DeliveryDbContext db, DeliverySignal signal, TimeProvider clock) : IDeadLetterSource
{
    public string Channel => channel;

    public async Task<IReadOnlyList<DeadLetter>> ListAsync(int limit, CancellationToken ct) =>
        await db.Notifications.AsNoTracking()
            .Where(n => n.Channel == channel && n.Status == NotificationStatus.Dead)
            .OrderByDescending(n => n.DeadAt).ThenByDescending(n => n.Id).Take(limit)
            .Select(n => new DeadLetter(n.Id, n.Channel, n.UserId, n.EventId, n.LastError ?? "", n.Attempts, n.DeadAt!.Value))
            .ToListAsync(ct);

    public async Task<bool> ReplayAsync(Guid id, CancellationToken ct)
    {
        var replayed = await db.Notifications
            .Where(n => n.Id == id && n.Channel == channel && n.Status == NotificationStatus.Dead)
            .ExecuteUpdateAsync(set => set
                .SetProperty(n => n.Status, NotificationStatus.Pending)
                .SetProperty(n => n.Attempts, 0)
                .SetProperty(n => n.NextAttemptAt, clock.GetUtcNow())
                .SetProperty(n => n.DeadAt, (DateTimeOffset?)null), ct);
        if (replayed > 0)
        {
            signal.Notify();
        }
        return replayed > 0;
    }
}
