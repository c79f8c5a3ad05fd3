namespace LedgerX.Notifications.Api.Delivery;

/// <summary>notifications.dead_letter.v1: a notification given up after its last attempt (schema
/// contracts/events/notifications.dead_letter.v1.schema.json).</summary>
public sealed record NotificationDeadLettered
{
    public required Guid EventId { get; init; }
    public required DateTimeOffset OccurredAt { get; init; }
    public required Guid NotificationId { get; init; }
    public required string Channel { get; init; }
    public required string UserId { get; init; }

    /// <summary>The domain event the notification was about.</summary>
    public required Guid SourceEventId { get; init; }
    public required string Kind { get; init; }
    public required string Reason { get; init; }
    public required int Attempts { get; init; }

    public static NotificationDeadLettered From(NotificationRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        return new NotificationDeadLettered
        {
            EventId = row.DeadLetterEventId!.Value, OccurredAt = row.DeadAt!.Value, NotificationId = row.Id, Channel = row.Channel,
            UserId = row.UserId, SourceEventId = row.EventId, Kind = row.Kind, Reason = row.LastError ?? "unknown", Attempts = row.Attempts,
        };
    }
}
