using LedgerX.Notifications.IntegrationTests.Infrastructure;

namespace LedgerX.Notifications.IntegrationTests.Webhooks;

/// <summary>
/// The service dies while a receiver is processing a delivery (the receiver acted on it; its 2xx never came back). The
/// next service finds the claimed delivery when its lease ends and sends it again with the same
/// <c>LedgerX-Webhook-Id</c>, so the receiver, deduping on it, acts once; and it decrypts the secret the previous
/// process stored (the Data Protection key ring is in the database).
/// </summary>
[Collection(WebhooksServiceCollection.Name)]
public sealed class WebhooksRestart(WebhooksService service)
{
    [Fact]
    public async Task ARestartMidDelivery_SendsNothingTwiceThatTheReceiverActsOn()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var owner = Callers.Customer(Callers.NewSubject());
        var endpoint = await service.RegisterAsync(owner, receiver);
        receiver.HangNext();

        await service.AcceptAsync(WebhooksService.Credited(owner.Subject));
        var hung = (await receiver.WaitForAsync(r => r.Processed)).Single();

        await service.RestartAsync();

        var log = await service.LogWhenAsync(owner, endpoint.Endpoint.Id, l => l.Items.Any(d => d.Status == "delivered"),
            "the delivery after the restart (it waits for the claim's lease to end)");
        var delivery = log.Items.ShouldHaveSingleItem();
        delivery.Id.ToString().ShouldBe(hung.Id);
        // The attempt in flight when the process died was never recorded; the one after the restart was.
        delivery.Attempts.ShouldHaveSingleItem().StatusCode.ShouldBe(200);
        receiver.Received.Count.ShouldBeGreaterThanOrEqualTo(2);
        receiver.Received.ShouldAllBe(r => r.Id == hung.Id && r.SignatureValid);
        receiver.ProcessedIds.ShouldHaveSingleItem().ShouldBe(hung.Id);
    }
}
