using LedgerX.Notifications.IntegrationTests.Infrastructure;

namespace LedgerX.Notifications.IntegrationTests.Delivery;

/// <summary>A transfer published by the ledger reaches both parties through the sidecars: the payer's and payee's mail in
/// the SMTP server's maildir, the payee's SMS at the provider with the notification id as Idempotency-Key; a redelivered
/// event sends nothing twice.</summary>
[Collection(NotificationServiceCollection.Name)]
public sealed class TransferNotifiesBothParties(NotificationService service)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task PayerAndPayeeGetTheirMailAndThePayeeItsSms()
    {
        var (payer, payee) = (Callers.NewSubject("payer"), Callers.NewSubject("payee"));
        var (payerMail, payeeMail) = (TestMailServers.UniqueAddress("payer"), TestMailServers.UniqueAddress("payee"));
        var payeePhone = "+49151" + Random.Shared.Next(1_000_000, 9_999_999);
        await service.PublishContactAsync(payer, payerMail);
        await service.PublishContactAsync(payee, payeeMail, phone: payeePhone);
        using (var put = await service.App.Client.PutAsAsync("/api/v1/notifications/preferences",
                   new { channels = new { email = true, sms = true }, language = "de" }, Callers.Customer(payee)))
        {
            put.EnsureSuccessStatusCode();
        }
        var from = await service.OpenAccountAsync(payer);
        var to = await service.OpenAccountAsync(payee);

        var transfer = await service.TransferAsync(from, to, 2500, "Miete März");

        var sent = await TestMailServers.Maildir.WaitForAsync(payerMail, Deadline);
        sent.Subject.ShouldBe("You sent EUR 25.00");
        sent.Body.ShouldContain("Miete März");
        var received = await TestMailServers.Maildir.WaitForAsync(payeeMail, Deadline);
        received.Subject.ShouldBe("Sie haben 25,00 EUR erhalten");
        var sms = await service.WaitForNotificationAsync(payee, transfer, "sms", "sent");
        var smsRequest = await TestMailServers.ProviderSinkLog.WaitForAsync(r => r.IdempotencyKey == sms["id"]!.GetValue<string>(), Deadline);
        smsRequest.Path.ShouldBe("/sms");
        smsRequest.Json.GetProperty("to").GetString().ShouldBe(payeePhone);
        (await service.WaitForNotificationAsync(payer, transfer, "email", "sent"))["templateId"]!.GetValue<string>().ShouldBe("email/transaction.debited.v1.en");
    }

    [Fact]
    public async Task ARedeliveredEventSendsNothingTwice()
    {
        var (payer, payee) = (Callers.NewSubject("payer"), Callers.NewSubject("payee"));
        var payeeMail = TestMailServers.UniqueAddress("payee");
        await service.PublishContactAsync(payee, payeeMail);
        var from = await service.OpenAccountAsync(payer);
        var to = await service.OpenAccountAsync(payee);
        var transfer = await service.TransferAsync(from, to, 700);
        await TestMailServers.Maildir.WaitForAsync(payeeMail, Deadline);

        await service.TransferAsync(from, to, 700, eventId: transfer);
        await service.WaitForDeliveriesAsync(transfer, 2);

        TestMailServers.Maildir.For(payeeMail).Count.ShouldBe(1);
        (await service.HistoryAsync(Callers.Customer(payee))).Count(n => n["channel"]!.GetValue<string>() == "email").ShouldBe(1);
    }

    [Fact]
    public async Task AnEventBeforeItsAccountsOpeningWaitsForTheOwner()
    {
        var (payer, payee) = (Callers.NewSubject("payer"), Callers.NewSubject("payee"));
        var payeeMail = TestMailServers.UniqueAddress("payee");
        await service.PublishContactAsync(payee, payeeMail);
        var from = await service.OpenAccountAsync(payer);
        var to = Guid.CreateVersion7();
        var transfer = await service.TransferAsync(from, to, 900);
        // Retried while the payee's account is unknown: the RETRY answers are recorded by the sidecar.
        await NotificationService.EventuallyAsync(() => Task.FromResult<object?>(
            service.Sidecar.PubSub.Deliveries.Any(d => d.CloudEventId == transfer.ToString()) ? null : new object()), "the first attempt");

        var opened = Guid.CreateVersion7();
        await service.PublishAsync("account.opened.v1", opened, new
        {
            eventId = opened, occurredAt = DateTimeOffset.UtcNow, sequence = 1, accountId = to, ownerId = payee, currency = "EUR", kind = "customer",
            overdraftLimit = 0, metadata = new Dictionary<string, string>(),
        });

        (await TestMailServers.Maildir.WaitForAsync(payeeMail, Deadline)).Subject.ShouldBe("You received EUR 9.00");
    }
}
