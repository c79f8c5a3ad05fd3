using LedgerX.Notifications.Api.Intake;
using LedgerX.Notifications.Api.Preferences;
using LedgerX.Notifications.Api.Templates;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace LedgerX.Notifications.Api.Delivery;

/// <summary>
/// The notifications module's <see cref="IUserEventSink"/>: decides (<see cref="Decider"/>) from the user's preferences and
/// contact, renders each planned notification, and stores one row per channel (sent later by the <see cref="Dispatcher"/>).
/// Idempotent on (EventId, UserId): a second delivery finds the rows and does nothing.
/// </summary>
public sealed class NotificationSink(
    DeliveryDbContext db, PreferencesStore preferences, IContactDirectory contacts, TemplateLibrary templates, DeliverySignal signal,
    TimeProvider clock) : IUserEventSink
{
    public async Task AcceptAsync(UserEvent e, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (await db.Notifications.AnyAsync(n => n.EventId == e.EventId && n.UserId == e.UserId, ct))
        {
            return;
        }
        var now = clock.GetUtcNow();
        var plan = Decider.Decide(e, await preferences.GetAsync(e.UserId, ct), await contacts.FindAsync(e.UserId, ct), now);
        foreach (var planned in plan.Send)
        {
            var message = templates.Render(planned.Channel, e, plan.Language);
            var row = Row(e, planned.Channel, NotificationStatus.Pending, plan.Language, now, planned.NotBefore);
            row.Destination = planned.Destination;
            row.TemplateId = message.TemplateId;
            row.Subject = message.Subject;
            row.Text = message.Text;
            row.Html = message.Html;
            db.Notifications.Add(row);
        }
        foreach (var skipped in plan.Skipped)
        {
            var row = Row(e, skipped.Channel, NotificationStatus.Skipped, plan.Language, now, now);
            row.SkipReason = skipped.Reason;
            db.Notifications.Add(row);
        }
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            db.ChangeTracker.Clear(); // Another delivery of the same event stored them first.
            return;
        }
        if (plan.Send.Count > 0)
        {
            signal.Notify();
        }
    }

    private static NotificationRow Row(UserEvent e, string channel, string status, string language, DateTimeOffset now, DateTimeOffset notBefore) => new()
    {
        Id = Guid.CreateVersion7(now), EventId = e.EventId, UserId = e.UserId, Channel = channel, Kind = e.Kind, Status = status,
        Language = language, AccountId = e.AccountId, Amount = e.Amount?.Amount, Currency = e.Amount?.Currency, OccurredAt = e.OccurredAt,
        CreatedAt = now, NextAttemptAt = notBefore,
    };
}
