using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LedgerX.Analytics.IntegrationTests.Infrastructure;
using LedgerX.Testing;

namespace LedgerX.Analytics.IntegrationTests.ReadModels;

/// <summary>A message the consumer can never apply (one it cannot read, or one the projections refuse) is answered DROP,
/// dead-lettered on its first delivery without a retry, and the subscription keeps flowing.</summary>
[Collection(LedgerAndAnalyticsCollection.Name)]
public sealed class PoisonMessages(LedgerAndAnalytics env)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AnUnreadableEvent_IsDeadLetteredAtOnce_AndLaterEventsAreStillApplied()
    {
        var poisonId = Guid.CreateVersion7();
        // No postings: a transaction.posted.v1 the consumer's record cannot read.
        await PoisonMessage.ShouldBeDroppedAtOnceAsync(env.Publisher, env.AnalyticsSidecar, "pubsub", "transaction.posted.v1",
            new { eventId = poisonId, occurredAt = DateTimeOffset.UtcNow, sequence = 1, entryId = Guid.CreateVersion7(), kind = "transfer", metadata = new { } },
            poisonId, Ct);
        (await env.ScalarAsync<long>("SELECT count(*) FROM processed_events WHERE event_id = @id", ("id", poisonId))).ShouldBe(0);

        await LaterEventsAreStillAppliedAsync("kim-after-poison");
    }

    [Fact]
    public async Task AnEventThatBreaksTheSchema_IsDeadLetteredAtOnce()
    {
        var poisonId = Guid.CreateVersion7();
        // Readable, but a journal entry of one posting: the projections refuse it, and it will never be otherwise.
        await PoisonMessage.ShouldBeDroppedAtOnceAsync(env.Publisher, env.AnalyticsSidecar, "pubsub", "transaction.posted.v1",
            new
            {
                eventId = poisonId, occurredAt = DateTimeOffset.UtcNow, sequence = 1, entryId = Guid.CreateVersion7(), kind = "transfer",
                postings = new[] { new { accountId = Guid.CreateVersion7(), direction = "debit", amount = 5, currency = "EUR", balanceAfter = -5 } },
            },
            poisonId, Ct);
        (await env.ScalarAsync<long>("SELECT count(*) FROM processed_events WHERE event_id = @id", ("id", poisonId))).ShouldBe(0);

        await LaterEventsAreStillAppliedAsync("lee-after-poison");
    }

    private async Task LaterEventsAreStillAppliedAsync(string owner)
    {
        var account = await env.OpenAccountAsync(owner);
        await env.DepositAsync(account, 777);
        await env.WaitUntilLedgerLogAppliedAsync();
        var history = await env.Analytics.Client.GetFromJsonAsync<JsonObject>($"/api/v1/accounts/{account}/balance-history", LedgerAndAnalytics.Json, Ct);
        history!["items"]!.AsArray().Single()!["balanceMinor"]!.GetValue<long>().ShouldBe(777);
    }
}
