using Dapr.Client;
using LedgerX.Nlp.IntegrationTests.Infrastructure;
using LedgerX.Testing;

namespace LedgerX.Nlp.IntegrationTests.Questions;

/// <summary>A queue message nlp-service can never read is answered DROP and dead-lettered on its first delivery, not
/// retried through the delivery policy's backoff.</summary>
[Collection(NlpServiceCollection.Name)]
public sealed class PoisonMessages(NlpService service)
{
    [Fact]
    public async Task AnUnreadableQueueMessage_IsDeadLetteredAtOnce()
    {
        using var publisher = new DaprClientBuilder()
            .UseHttpEndpoint(service.Sidecar.HttpEndpoint).UseGrpcEndpoint(service.Sidecar.GrpcEndpoint).Build();
        var poisonId = Guid.CreateVersion7();

        await PoisonMessage.ShouldBeDroppedAtOnceAsync(publisher, service.Sidecar, "pubsub", "nlp.question_queued.v1",
            new { eventId = poisonId, occurredAt = DateTimeOffset.UtcNow }, poisonId, TestContext.Current.CancellationToken);
    }
}
