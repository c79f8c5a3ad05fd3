using System.Text.Json;
using LedgerX.Notifications.Api.Events;
using LedgerX.Notifications.Api.Live;
using LedgerX.Testing;

namespace LedgerX.Notifications.UnitTests.Live;

/// <summary>notification-service publishes live.feed.v1: what it writes fits contracts/events/live.feed.v1.schema.json,
/// stored and ephemeral alike, and the schema refuses an item that is neither.</summary>
public sealed class LiveFeedItemMatchesItsSchema
{
    private static readonly DateTimeOffset At = new(2026, 12, 7, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void AStoredItemAsTheRelayPublishesIt()
    {
        var item = new LiveFeedItem(LiveFeedItem.Version, 4711, "user-1", Guid.CreateVersion7(), "transaction.credited", At, Guid.CreateVersion7(),
            new LiveAmount(2500, "EUR"), new Dictionary<string, string> { ["description"] = "Rent" }, Seq: 12);

        EventSchemas.AssertValid(Topics.LiveFeed, JsonSerializer.Serialize(item, LiveFeedItem.Json));
    }

    [Fact]
    public void AnEphemeralItemAsAnotherServiceWouldPushIt()
    {
        var item = new LiveFeedItem(LiveFeedItem.Version, null, "user-1", null, "nlp.answer_token", At, null, null,
            new Dictionary<string, string> { ["token"] = "Hello" }, Ephemeral: true, ExpiresAt: At.AddSeconds(30));

        EventSchemas.AssertValid(Topics.LiveFeed, JsonSerializer.Serialize(item, LiveFeedItem.Json));
    }

    [Fact]
    public void AnItemWithNeitherAFeedIdNorAnExpiryIsRefused()
    {
        var item = new LiveFeedItem(LiveFeedItem.Version, null, "user-1", Guid.CreateVersion7(), "transaction.credited", At, null, null, null);

        Should.Throw<EventContractException>(() => EventSchemas.AssertValid(Topics.LiveFeed, JsonSerializer.Serialize(item, LiveFeedItem.Json)));
    }
}
