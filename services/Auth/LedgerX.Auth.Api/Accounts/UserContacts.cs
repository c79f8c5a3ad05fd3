using LedgerX.ServiceDefaults.Telemetry;
using System.Text.Json;
using LedgerX.Auth.Api.Persistence;

namespace LedgerX.Auth.Api.Accounts;

/// <summary>auth.user_contact.v1: where a user can be reached now (schema contracts/events/auth.user_contact.v1.schema.json).
/// notification-service keeps the newest per user and e-mails only a confirmed address.</summary>
public sealed record UserContactChanged(Guid EventId, DateTimeOffset OccurredAt, string UserId, string? Email, bool EmailConfirmed, string? PhoneNumber)
{
    public const string Topic = "auth.user_contact.v1";
}

/// <summary>
/// Adds a user's current contact to the outbox, in the caller's unit of work (so it commits with the change that
/// caused it): on registration, e-mail confirmation and for seeded users. The relay publishes it like the account messages.
/// </summary>
public static class UserContacts
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static void Publish(AuthDbContext db, AuthUser user, TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(clock);
        var now = clock.GetUtcNow();
        var contact = new UserContactChanged(Guid.CreateVersion7(now), now, user.Id.ToString(), user.Email, user.EmailConfirmed, user.PhoneNumber);
        db.Outbox.Add(new OutboxRow
        {
            EventId = contact.EventId, Topic = UserContactChanged.Topic, Payload = JsonSerializer.Serialize(contact, Json),
            CreatedAt = now, NextAttemptAt = now, TraceParent = OutboxTrace.Current.TraceParent, TraceState = OutboxTrace.Current.TraceState,
        });
    }
}
