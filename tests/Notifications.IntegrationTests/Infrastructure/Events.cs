using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace LedgerX.Notifications.IntegrationTests.Infrastructure;

/// <summary>The platform's events as their publishers write them (contracts/events/), published through the publisher's
/// sidecar, and notification-service's history read back through its API.</summary>
public static class Events
{
    public static async Task<Guid> OpenAccountAsync(this NotificationService service, string owner, string kind = "customer")
    {
        ArgumentNullException.ThrowIfNull(service);
        var account = Guid.CreateVersion7();
        var eventId = Guid.CreateVersion7();
        await service.PublishAsync("account.opened.v1", eventId, new
        {
            eventId, occurredAt = DateTimeOffset.UtcNow, sequence = 1, accountId = account, ownerId = owner, currency = "EUR", kind,
            overdraftLimit = 0, metadata = new Dictionary<string, string>(),
        });
        return account;
    }

    public static Task PublishContactAsync(this NotificationService service, string user, string? email, bool confirmed = true, string? phone = null)
    {
        ArgumentNullException.ThrowIfNull(service);
        var eventId = Guid.CreateVersion7();
        return service.PublishAsync("auth.user_contact.v1", eventId,
            new { eventId, occurredAt = DateTimeOffset.UtcNow, userId = user, email, emailConfirmed = confirmed, phoneNumber = phone });
    }

    /// <summary>transaction.posted.v1 of a transfer; returns its event id. <paramref name="eventId"/> repeats an earlier one.</summary>
    public static async Task<Guid> TransferAsync(this NotificationService service, Guid from, Guid to, long amount, string description = "rent", Guid? eventId = null)
    {
        ArgumentNullException.ThrowIfNull(service);
        var id = eventId ?? Guid.CreateVersion7();
        await service.PublishAsync("transaction.posted.v1", id, new
        {
            eventId = id, occurredAt = DateTimeOffset.UtcNow, sequence = 2, entryId = Guid.CreateVersion7(), kind = "transfer", description,
            metadata = new Dictionary<string, string>(),
            postings = new object[]
            {
                new { accountId = from, direction = "debit", amount, currency = "EUR", balanceAfter = 100_000 - amount },
                new { accountId = to, direction = "credit", amount, currency = "EUR", balanceAfter = amount },
            },
        });
        return id;
    }

    public static async Task<Guid> FraudFlaggedAsync(this NotificationService service, Guid account, long amount)
    {
        ArgumentNullException.ThrowIfNull(service);
        var eventId = Guid.CreateVersion7();
        await service.PublishAsync("fraud.flagged.v1", eventId, new
        {
            eventId, occurredAt = DateTimeOffset.UtcNow, alertId = Guid.CreateVersion7(), accountId = account, score = 90,
            reasons = new[] { new { ruleId = "large-amount", ruleType = "large_amount", points = 90, detail = "large" } },
            sourceTopic = "transaction.posted.v1", sourceEventId = Guid.CreateVersion7(), amount, currency = "EUR", action = "none",
        });
        return eventId;
    }

    /// <summary><paramref name="caller"/>'s notification history (newest first).</summary>
    public static async Task<List<JsonObject>> HistoryAsync(this NotificationService service, Caller caller, string query = "")
    {
        ArgumentNullException.ThrowIfNull(service);
        using var response = await service.App.Client.GetAsAsync($"/api/v1/notifications?limit=200{query}", caller);
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return [.. (await response.Content.ReadFromJsonAsync<JsonObject>())!["items"]!.AsArray().Select(i => i!.AsObject())];
    }

    /// <summary>Waits until <paramref name="user"/>'s history has the notification of <paramref name="eventId"/> on
    /// <paramref name="channel"/> in <paramref name="status"/>.</summary>
    public static Task<JsonObject> WaitForNotificationAsync(this NotificationService service, string user, Guid eventId, string channel, string status) =>
        NotificationService.EventuallyAsync(async () => (await service.HistoryAsync(Callers.Customer(user))).FirstOrDefault(n =>
                n["eventId"]!.GetValue<Guid>() == eventId && n["channel"]!.GetValue<string>() == channel && n["status"]!.GetValue<string>() == status),
            $"{user}'s {channel} notification of {eventId} to be {status}");

    /// <summary>Waits until the service's sidecar has delivered <paramref name="eventId"/> <paramref name="times"/> times
    /// and the service answered each (whatever it answered).</summary>
    public static Task WaitForDeliveriesAsync(this NotificationService service, Guid eventId, int times) =>
        NotificationService.EventuallyAsync(() => Task.FromResult<object?>(
                service.Sidecar.PubSub.Deliveries.Count(d => d.CloudEventId == eventId.ToString() && d.Outcome == LedgerX.LocalDapr.PubSub.DeliveryOutcome.Success) >= times
                    ? new object() : null),
            $"{times} deliveries of {eventId}");
}
