using LedgerX.Notifications.IntegrationTests.Infrastructure;
using LedgerX.Testing;

namespace LedgerX.Notifications.IntegrationTests.Intake;

/// <summary>An event notification-service can never read is answered DROP and dead-lettered on its first delivery, on
/// each topic it consumes; the events after it still flow.</summary>
[Collection(NotificationServiceCollection.Name)]
public sealed class PoisonMessages(NotificationService service)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("transaction.posted.v1")]
    [InlineData("fraud.flagged.v1")]
    [InlineData("account.opened.v1")]
    [InlineData("auth.user_contact.v1")]
    public async Task AnEventMissingItsFields_IsDeadLetteredAtOnce_AndLaterEventsFlow(string topic)
    {
        var poisonId = Guid.CreateVersion7();
        // Only the envelope's fields: every consumer's record requires more.
        await PoisonMessage.ShouldBeDroppedAtOnceAsync(service.Publisher, service.Sidecar, "pubsub", topic,
            new { eventId = poisonId, occurredAt = DateTimeOffset.UtcNow }, poisonId, Ct);

        var from = await service.OpenAccountAsync(Callers.NewSubject("poison-from"));
        var to = await service.OpenAccountAsync(Callers.NewSubject("poison-to"));
        var later = await service.TransferAsync(from, to, 1_00);
        await service.WaitForDeliveriesAsync(later, 1);
    }
}
