using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LedgerX.Analytics.IntegrationTests.Infrastructure;
using LedgerX.LocalDapr.PubSub;

namespace LedgerX.Analytics.IntegrationTests.ReadModels;

/// <summary>A message the consumer can never bind is retried a bounded number of times, then dead-lettered, and the
/// subscription keeps flowing.</summary>
[Collection(LedgerAndAnalyticsCollection.Name)]
public sealed class PoisonMessages(LedgerAndAnalytics env)
{
    [Fact]
    public async Task AnUnreadableEvent_EndsInTheDeadLetterTopic_AndLaterEventsAreStillApplied()
    {
        var poisonId = Guid.CreateVersion7();
        // No postings: a transaction.posted.v1 the consumer's record cannot bind.
        await env.Publisher.PublishEventAsync("pubsub", "transaction.posted.v1",
            new { eventId = poisonId, occurredAt = DateTimeOffset.UtcNow, sequence = 1, entryId = Guid.CreateVersion7(), kind = "transfer", metadata = new { } },
            new Dictionary<string, string> { ["cloudevent.id"] = poisonId.ToString() }, TestContext.Current.CancellationToken);

        var delivery = await env.AnalyticsSidecar.PubSub.WaitForDeliveryAsync(d => d.CloudEventId == poisonId.ToString(), TimeSpan.FromSeconds(20),
            TestContext.Current.CancellationToken);
        delivery.Outcome.ShouldBe(DeliveryOutcome.DeadLettered);
        delivery.Attempts.ShouldBeGreaterThan(1);
        (await env.ScalarAsync<long>("SELECT count(*) FROM processed_events WHERE event_id = @id", ("id", poisonId))).ShouldBe(0);

        var kim = await env.OpenAccountAsync("kim-after-poison");
        await env.DepositAsync(kim, 777);
        await env.WaitUntilLedgerLogAppliedAsync();
        var history = await env.Analytics.Client.GetFromJsonAsync<JsonObject>($"/api/v1/accounts/{kim}/balance-history", LedgerAndAnalytics.Json);
        history!["items"]!.AsArray().Single()!["balanceMinor"]!.GetValue<long>().ShouldBe(777);
    }
}
