using System.Text.Json;
using LedgerX.Notifications.Api.Intake;
using LedgerX.Notifications.Api.Webhooks.Persistence;

namespace LedgerX.Notifications.Api.Webhooks;

/// <summary>
/// How deliveries are made and changed, apart from the I/O: the body a receiver gets
/// (<c>{id, type, createdAt, data}</c>, fixed at creation), a test-send, a manual redelivery, and the outcome of an
/// attempt (delivered, retry later, dead).
/// </summary>
public static class WebhookDeliveries
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The body of <paramref name="e"/>: <c>id</c> is the domain event's id (the same for every endpoint that gets
    /// it), <c>data</c> the account, the amount (minor units and currency) and the event's public template fields. Never
    /// the secret ones (a confirmation or password-reset token): they belong in the user's mailbox alone, and a webhook
    /// endpoint registered with a stolen access token would otherwise turn it into a lasting account takeover.</summary>
    public static string Body(UserEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var data = new SortedDictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (key, value) in UserEventData.Public(e.Data))
        {
            data[key] = value;
        }
        if (e.AccountId is { } account)
        {
            data["accountId"] = account;
        }
        if (e.Amount is { } amount)
        {
            data["amount"] = new { amount = amount.Amount, currency = amount.Currency };
        }
        return Serialize(e.EventId, e.Kind, e.OccurredAt, data);
    }

    public static string Serialize(Guid eventId, string type, DateTimeOffset createdAt, IReadOnlyDictionary<string, object?> data) =>
        JsonSerializer.Serialize(new { id = eventId, type, createdAt, data }, Json);

    public static WebhookDeliveryRow For(Guid endpointId, UserEvent e, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(e);
        return New(endpointId, e.EventId, e.UserId, e.Kind, Body(e), now);
    }

    /// <summary>A <c>webhook.test</c> event for <paramref name="endpoint"/> alone, due now.</summary>
    public static WebhookDeliveryRow Test(WebhookEndpointRow endpoint, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        var eventId = Guid.CreateVersion7(now);
        var data = new Dictionary<string, object?> { ["endpointId"] = endpoint.Id, ["message"] = "A test event sent on request." };
        return New(endpoint.Id, eventId, endpoint.UserId, WebhookEventTypes.Test, Serialize(eventId, WebhookEventTypes.Test, now, data), now);
    }

    /// <summary>Due now on a fresh schedule, same id and body (receivers that already took it dedupe it).</summary>
    public static void Redeliver(WebhookDeliveryRow delivery, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        delivery.Status = DeliveryStatus.Pending;
        delivery.FailedAttempts = 0;
        delivery.NextAttemptAt = now;
        delivery.DeadAt = null;
    }

    /// <summary>Applies one attempt's outcome; the endpoint health outcome it amounts to is returned.</summary>
    public static EndpointHealth.Outcome Record(WebhookDeliveryRow delivery, int? statusCode, string? error, DateTimeOffset now, TimeSpan? retryIn)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        delivery.LastStatusCode = statusCode;
        if (statusCode is >= 200 and < 300)
        {
            delivery.Status = DeliveryStatus.Delivered;
            delivery.DeliveredAt = now;
            delivery.LastError = null;
            return EndpointHealth.Outcome.Delivered;
        }
        delivery.FailedAttempts++;
        delivery.LastError = Truncate(error ?? $"The receiver answered {statusCode}.", WebhooksDbContext.MaxErrorLength);
        if (retryIn is { } wait)
        {
            delivery.NextAttemptAt = now + wait;
            return EndpointHealth.Outcome.FailedAttempt;
        }
        delivery.Status = DeliveryStatus.Dead;
        delivery.DeadAt = now;
        return EndpointHealth.Outcome.Dead;
    }

    internal static string Truncate(string text, int max) => text.Length <= max ? text : text[..max];

    private static WebhookDeliveryRow New(Guid endpointId, Guid eventId, string userId, string type, string body, DateTimeOffset now) => new()
    {
        Id = Guid.CreateVersion7(now),
        EndpointId = endpointId,
        EventId = eventId,
        UserId = userId,
        Type = type,
        Payload = body,
        CreatedAt = now,
        Status = DeliveryStatus.Pending,
        NextAttemptAt = now,
    };
}
