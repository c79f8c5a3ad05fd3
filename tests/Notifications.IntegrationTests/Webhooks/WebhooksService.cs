using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LedgerX.Notifications.Api;
using LedgerX.Notifications.Api.Intake;
using LedgerX.Notifications.Api.Webhooks;
using LedgerX.Notifications.IntegrationTests.Infrastructure;
using LedgerX.ServiceDefaults.Secrets;
using Microsoft.Extensions.DependencyInjection;

namespace LedgerX.Notifications.IntegrationTests.Webhooks;

[CollectionDefinition(Name)]
public sealed class WebhooksServiceCollection : ICollectionFixture<WebhooksService>
{
    public const string Name = "notification-service sending webhooks to loopback receivers";
}

/// <summary>
/// notification-service allowed to reach receivers on loopback over http (the SSRF guard otherwise refuses both), with
/// a retry schedule of fractions of a second instead of hours, and a short request timeout (so a hung receiver and the
/// claim lease after a crash take seconds). Everything else is as in production.
/// </summary>
public sealed class WebhooksService : NotificationService
{
    public const int MaxAttempts = 6;
    public const int DisableAfterDead = 3;

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Notifications:Webhooks:AllowedPrivateNetworks:0"] = "127.0.0.0/8",
        ["Notifications:Webhooks:AllowHttp"] = "true",
        ["Notifications:Webhooks:RetryBaseDelayMs"] = "150",
        ["Notifications:Webhooks:RetryMaxDelayMs"] = "400",
        ["Notifications:Webhooks:MaxAttempts"] = MaxAttempts.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Notifications:Webhooks:DisableAfterConsecutiveDeadDeliveries"] = DisableAfterDead.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Notifications:Webhooks:PollIntervalMs"] = "100",
        ["Notifications:Webhooks:RequestTimeoutMs"] = "2000",
        ["Notifications:Webhooks:ConnectTimeoutMs"] = "1000",
    };

    /// <summary>A restart whose key ring is encrypted with <paramref name="certificates"/> (the secret's value: current
    /// first, then those that still decrypt), every other setting unchanged: a certificate rotation.</summary>
    public Task RestartWithKeyRingAsync(string certificates) =>
        RestartAsync(new Dictionary<string, string?>(Settings) { [KeyRingCertificates.ConfigurationKey] = certificates });

    /// <summary>Registers <paramref name="receiver"/> for <paramref name="owner"/> and hands it the secret, as a customer would.</summary>
    public async Task<CreatedEndpoint> RegisterAsync(Caller owner, WebhookReceiver receiver, params string[] eventTypes)
    {
        var response = await App.Client.PostAsAsync(WebhooksApi.Prefix,
            new { url = receiver.Url, eventTypes = eventTypes.Length == 0 ? ["*"] : eventTypes, description = "test receiver" }, owner);
        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        var created = (await response.Content.ReadFromJsonAsync<CreatedEndpoint>(Json))!;
        receiver.Secrets.Add(created.Secret);
        return created;
    }

    /// <summary>Hands <paramref name="e"/> to every registered sink, as intake does with each UserEvent of a domain event.</summary>
    public async Task AcceptAsync(UserEvent e)
    {
        await using var scope = App.Services.CreateAsyncScope();
        foreach (var sink in scope.ServiceProvider.GetServices<IUserEventSink>())
        {
            await sink.AcceptAsync(e, CancellationToken.None);
        }
    }

    public static UserEvent Credited(string userId, long amount = 2_500) => new(
        Guid.CreateVersion7(), userId, UserEventKinds.TransactionCredited, DateTimeOffset.UtcNow, Guid.NewGuid(), new Money(amount, "EUR"),
        new Dictionary<string, string> { ["entryId"] = Guid.NewGuid().ToString(), ["description"] = "Salary" });

    public async Task<DeliveryLog> DeliveriesAsync(Caller caller, Guid endpointId)
    {
        var response = await App.Client.GetAsAsync($"{WebhooksApi.Prefix}/{endpointId}/deliveries", caller);
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<DeliveryLog>(Json))!;
    }

    /// <summary>Polls the delivery log until <paramref name="done"/> holds for it.</summary>
    public Task<DeliveryLog> LogWhenAsync(Caller caller, Guid endpointId, Func<DeliveryLog, bool> done, string what) =>
        EventuallyAsync(async () => await DeliveriesAsync(caller, endpointId) is var log && done(log) ? log : null, what);

    public async Task<EndpointView> EndpointAsync(Caller caller, Guid endpointId)
    {
        var response = await App.Client.GetAsAsync($"{WebhooksApi.Prefix}/{endpointId}", caller);
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<EndpointView>(Json))!;
    }
}

// The API's answers as a client reads them.
public sealed record EndpointView(Guid Id, string Url, string? Description, string[] EventTypes, bool Enabled, string? DisabledReason,
    DateTimeOffset? DisabledAt, DateTimeOffset? PreviousSecretExpiresAt);

public sealed record CreatedEndpoint(EndpointView Endpoint, string Secret);

public sealed record AttemptView(DateTimeOffset At, int? StatusCode, int LatencyMs, string? Error);

public sealed record DeliveryView(Guid Id, Guid EventId, string Type, string Status, DateTimeOffset? NextAttemptAt, DateTimeOffset? DeliveredAt,
    DateTimeOffset? DeadAt, int? LastStatusCode, string? LastError, AttemptView[] Attempts);

public sealed record DeliveryLog(DeliveryView[] Items, string? NextCursor);

public static class ProblemJson
{
    public static async Task<JsonElement> ReadAsync(HttpResponseMessage response)
    {
        ArgumentNullException.ThrowIfNull(response);
        response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json");
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }
}
