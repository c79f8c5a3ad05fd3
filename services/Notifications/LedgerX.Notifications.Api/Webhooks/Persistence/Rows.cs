namespace LedgerX.Notifications.Api.Webhooks.Persistence;

/// <summary>A customer's webhook endpoint: where to POST, which kinds, its signing secret(s) and its health.</summary>
public sealed class WebhookEndpointRow
{
    public Guid Id { get; set; }

    /// <summary>The token subject of its owner: every lookup goes through it (someone else's endpoint is 404).</summary>
    public required string UserId { get; set; }

    public required string Url { get; set; }
    public string? Description { get; set; }

    /// <summary>UserEventKinds constants, or the single "*" for every kind.</summary>
    public required string[] EventTypes { get; set; }

    public bool Enabled { get; set; }

    /// <summary>Why the dispatcher switched it off (null when the owner disabled it or it is enabled).</summary>
    public string? DisabledReason { get; set; }
    public DateTimeOffset? DisabledAt { get; set; }

    /// <summary>The signing secret, encrypted with ASP.NET Data Protection (it must stay usable to sign, so not hashed).</summary>
    public required string SecretProtected { get; set; }

    /// <summary>After a rotation, the retired secret, which keeps signing beside the new one until <see cref="PreviousSecretExpiresAt"/>.</summary>
    public string? PreviousSecretProtected { get; set; }
    public DateTimeOffset? PreviousSecretExpiresAt { get; set; }

    public int ConsecutiveDeadDeliveries { get; set; }

    /// <summary>The first failed attempt since the last 2xx (null while healthy).</summary>
    public DateTimeOffset? FailingSince { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>
/// One event to one endpoint. Its id is the <c>LedgerX-Webhook-Id</c> header, the same on every attempt, so a receiver
/// dedupes on it; (endpoint, event) is unique, so a redelivered domain event never creates a second delivery.
/// </summary>
public sealed class WebhookDeliveryRow
{
    public Guid Id { get; set; }
    public Guid EndpointId { get; set; }

    /// <summary>The domain event's id (for a test-send, a fresh one).</summary>
    public Guid EventId { get; set; }
    public required string UserId { get; set; }
    public required string Type { get; set; }

    /// <summary>The exact body sent, fixed at creation so every attempt sends the same bytes (text, not jsonb: jsonb
    /// would reorder keys and break nothing but byte-for-byte equality, which receivers may rely on).</summary>
    public required string Payload { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>pending, delivered or dead (<see cref="DeliveryStatus"/>).</summary>
    public required string Status { get; set; }

    /// <summary>Failed attempts in the current schedule (a manual redelivery starts a new one).</summary>
    public int FailedAttempts { get; set; }

    /// <summary>When it is due; while an attempt is in flight, the end of that attempt's lease (a replica that died
    /// mid-attempt leaves it to be retried after the lease, with the same id).</summary>
    public DateTimeOffset NextAttemptAt { get; set; }

    public int? LastStatusCode { get; set; }
    public string? LastError { get; set; }
    public DateTimeOffset? DeliveredAt { get; set; }
    public DateTimeOffset? DeadAt { get; set; }
}

/// <summary>One attempt of a delivery, for the delivery log.</summary>
public sealed class WebhookAttemptRow
{
    public long Id { get; set; }
    public Guid DeliveryId { get; set; }
    public DateTimeOffset StartedAt { get; set; }
    public int? StatusCode { get; set; }
    public int LatencyMs { get; set; }
    public string? Error { get; set; }

    /// <summary>The start of the receiver's answer (at most Notifications:Webhooks:MaxResponseBodyBytes).</summary>
    public string? ResponseBody { get; set; }
}

public static class DeliveryStatus
{
    public const string Pending = "pending";
    public const string Delivered = "delivered";
    public const string Dead = "dead";
}
