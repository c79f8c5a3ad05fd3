using System.Text.Json;
using LedgerX.Notifications.IntegrationTests.Infrastructure;

namespace LedgerX.Notifications.IntegrationTests.Webhooks;

/// <summary>End to end through the sidecars: a transfer the ledger publishes reaches the payer's and the payee's
/// webhook endpoints through the real intake subscription, once each, even when the event is delivered twice.</summary>
[Collection(WebhooksServiceCollection.Name)]
public sealed class WebhooksThroughIntake(WebhooksService service)
{
    [Fact]
    public async Task ATransfer_SignsOneWebhookToEachParty_EvenWhenDeliveredTwice()
    {
        await using var payerReceiver = await WebhookReceiver.StartAsync();
        await using var payeeReceiver = await WebhookReceiver.StartAsync();
        var payer = Callers.Customer(Callers.NewSubject("payer"));
        var payee = Callers.Customer(Callers.NewSubject("payee"));
        await service.RegisterAsync(payer, payerReceiver, "transaction.debited");
        await service.RegisterAsync(payee, payeeReceiver, "transaction.credited");
        var from = await service.OpenAccountAsync(payer.Subject);
        var to = await service.OpenAccountAsync(payee.Subject);

        var transfer = await service.TransferAsync(from, to, 4_200);
        await service.TransferAsync(from, to, 4_200, eventId: transfer); // redelivered by the broker
        await service.WaitForDeliveriesAsync(transfer, 2);

        var debited = (await payerReceiver.WaitForAsync(r => r.Processed)).Single();
        var credited = (await payeeReceiver.WaitForAsync(r => r.Processed)).Single();
        debited.SignatureValid.ShouldBeTrue();
        credited.SignatureValid.ShouldBeTrue();
        JsonDocument.Parse(debited.Body).RootElement.GetProperty("type").GetString().ShouldBe("transaction.debited");
        JsonDocument.Parse(credited.Body).RootElement.GetProperty("type").GetString().ShouldBe("transaction.credited");
        JsonDocument.Parse(credited.Body).RootElement.GetProperty("id").GetGuid().ShouldBe(transfer);
        payerReceiver.Received.Count.ShouldBe(1);
        payeeReceiver.Received.Count.ShouldBe(1);
    }
}
