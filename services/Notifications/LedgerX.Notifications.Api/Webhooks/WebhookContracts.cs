using LedgerX.Notifications.Api.Webhooks.Persistence;

namespace LedgerX.Notifications.Api.Webhooks;

// The webhooks API's shapes (camelCase JSON).

/// <summary>A new endpoint: where to POST and which kinds (<c>UserEventKinds</c>; <c>["*"]</c> for all).</summary>
public sealed record CreateWebhookEndpointRequest(string? Url, IReadOnlyList<string>? EventTypes, string? Description = null);

/// <summary>A change: only the fields sent change. Enabling a disabled endpoint clears its failure record.</summary>
public sealed record UpdateWebhookEndpointRequest(string? Url = null, IReadOnlyList<string>? EventTypes = null, string? Description = null, bool? Enabled = null);

public sealed record WebhookEndpointResponse(
    Guid Id, string Url, string? Description, IReadOnlyList<string> EventTypes, bool Enabled, string? DisabledReason,
    DateTimeOffset? DisabledAt, DateTimeOffset? PreviousSecretExpiresAt, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    public static WebhookEndpointResponse From(WebhookEndpointRow e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return new(e.Id, e.Url, e.Description, e.EventTypes, e.Enabled, e.DisabledReason, e.DisabledAt, e.PreviousSecretExpiresAt, e.CreatedAt, e.UpdatedAt);
    }
}

/// <summary>The answer to a creation or a rotation: the only time the secret is shown.</summary>
public sealed record WebhookEndpointWithSecretResponse(WebhookEndpointResponse Endpoint, string Secret);

public sealed record WebhookEndpointList(IReadOnlyList<WebhookEndpointResponse> Items);

public sealed record WebhookAttemptResponse(DateTimeOffset At, int? StatusCode, int LatencyMs, string? Error);

/// <summary>A delivery in the log: <c>status</c> pending, delivered or dead; <c>nextAttemptAt</c> only while pending.</summary>
public sealed record WebhookDeliveryResponse(
    Guid Id, Guid EventId, string Type, string Status, DateTimeOffset CreatedAt, DateTimeOffset? NextAttemptAt,
    DateTimeOffset? DeliveredAt, DateTimeOffset? DeadAt, int? LastStatusCode, string? LastError, IReadOnlyList<WebhookAttemptResponse> Attempts)
{
    public static WebhookDeliveryResponse From(WebhookDeliveryRow d, IEnumerable<WebhookAttemptRow> attempts)
    {
        ArgumentNullException.ThrowIfNull(d);
        return new(d.Id, d.EventId, d.Type, d.Status, d.CreatedAt, d.Status == DeliveryStatus.Pending ? d.NextAttemptAt : null,
            d.DeliveredAt, d.DeadAt, d.LastStatusCode, d.LastError,
            [.. attempts.Select(a => new WebhookAttemptResponse(a.StartedAt, a.StatusCode, a.LatencyMs, a.Error))]);
    }
}

/// <summary>A page of the delivery log, newest first; pass <c>nextCursor</c> as <c>after</c> for the next (null at the end).</summary>
public sealed record WebhookDeliveryPage(IReadOnlyList<WebhookDeliveryResponse> Items, string? NextCursor);
