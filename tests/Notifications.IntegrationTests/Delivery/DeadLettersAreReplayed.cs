using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LedgerX.Notifications.IntegrationTests.Infrastructure;

namespace LedgerX.Notifications.IntegrationTests.Delivery;

/// <summary>A provider that keeps failing dead-letters the notification (published on notifications.dead_letter.v1 with
/// the reason); an operator sees and replays it, a customer may do neither; the replay is accepted exactly once, under the
/// same Idempotency-Key. A restart in between sends nothing twice.</summary>
[Collection(NotificationServiceCollection.Name)]
public sealed class DeadLettersAreReplayed(NotificationService service)
{
    [Fact]
    public async Task AnOperatorReplaysADeadPushAndItIsAcceptedOnce()
    {
        var (payer, payee) = (Callers.NewSubject("payer"), Callers.NewSubject("payee"));
        var device = "device-" + Guid.NewGuid().ToString("N");
        service.Push.FailingDevices[device] = true;
        using (var put = await service.App.Client.PutAsAsync("/api/v1/notifications/preferences",
                   new { channels = new { email = false, push = true }, pushDeviceToken = device }, Callers.Customer(payee)))
        {
            put.EnsureSuccessStatusCode();
        }
        var from = await service.OpenAccountAsync(payer);
        var to = await service.OpenAccountAsync(payee);
        var transfer = await service.TransferAsync(from, to, 4200);

        var dead = await service.WaitForNotificationAsync(payee, transfer, "push", "dead");
        var id = dead["id"]!.GetValue<Guid>();
        service.Push.Received[id.ToString()].ShouldBe(3);
        var letter = await service.Sidecar.PubSub.WaitForPublishedAsync(
            m => m.Topic == "notifications.dead_letter.v1" && m.CloudEvent?["data"]?["notificationId"]?.GetValue<Guid>() == id, TimeSpan.FromSeconds(60));
        letter.CloudEvent!["data"]!["reason"]!.GetValue<string>().ShouldNotBeNullOrWhiteSpace();

        var list = await service.App.Client.GetAsAsync("/api/v1/notifications/dead-letters", Callers.Operator);
        list.StatusCode.ShouldBe(HttpStatusCode.OK);
        var items = (await list.Content.ReadFromJsonAsync<JsonObject>())!["items"]!.AsArray();
        items.ShouldContain(i => i!["id"]!.GetValue<Guid>() == id && i["channel"]!.GetValue<string>() == "push" && i["attempts"]!.GetValue<int>() == 3);

        (await service.App.Client.GetAsAsync("/api/v1/notifications/dead-letters", Callers.Customer(payee))).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await service.App.Client.PostAsAsync($"/api/v1/notifications/dead-letters/push/{id}/replay", null, Callers.Customer(payee)))
            .StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await service.App.Client.PostAsAsync($"/api/v1/notifications/dead-letters/email/{id}/replay", null, Callers.Operator))
            .StatusCode.ShouldBe(HttpStatusCode.NotFound);

        // A restart of the service changes nothing about what was sent or is dead.
        await service.RestartAsync();
        service.Push.Accepted.ContainsKey(id.ToString()).ShouldBeFalse();

        service.Push.FailingDevices.TryRemove(device, out _);
        (await service.App.Client.PostAsAsync($"/api/v1/notifications/dead-letters/push/{id}/replay", null, Callers.Operator))
            .StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await service.WaitForNotificationAsync(payee, transfer, "push", "sent");
        service.Push.Accepted[id.ToString()].ShouldBe(1);
        (await service.App.Client.PostAsAsync($"/api/v1/notifications/dead-letters/push/{id}/replay", null, Callers.Operator))
            .StatusCode.ShouldBe(HttpStatusCode.NotFound);

        // Redelivering the event after the restart adds nothing.
        await service.TransferAsync(from, to, 4200, eventId: transfer);
        await service.WaitForDeliveriesAsync(transfer, 1);
        (await service.HistoryAsync(Callers.Customer(payee))).Count(n => n["channel"]!.GetValue<string>() == "push").ShouldBe(1);
        service.Push.Accepted[id.ToString()].ShouldBe(1);
    }
}
