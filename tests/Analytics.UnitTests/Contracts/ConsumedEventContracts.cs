using System.Text.Json;
using LedgerX.Analytics.Api;
using LedgerX.Analytics.Api.Events;
using LedgerX.Testing;

namespace LedgerX.Analytics.UnitTests.Contracts;

/// <summary>
/// analytics-service as a consumer of events: for every topic it subscribes to (read from its mapped endpoints, not a
/// list kept here), the record its handler binds reads only fields the publisher's JSON Schema declares, with
/// compatible JSON types, and requires only fields the schema requires; so any event valid against its schema binds
/// (a schema change that breaks this fails here, not in production).
/// </summary>
public sealed class ConsumedEventContracts
{
    private static readonly Lazy<IReadOnlyList<DaprSubscription>> Subscriptions = new(Discover);

    public static TheoryData<string> SubscribedTopics() => [.. Subscriptions.Value.Select(s => s.Topic).Distinct().Order(StringComparer.Ordinal)];

    [Theory]
    [MemberData(nameof(SubscribedTopics))]
    public void TheRecordItsHandlerBinds_FitsThePublishersSchema(string topic)
    {
        var subscription = Subscriptions.Value.Single(s => s.Topic == topic);
        var record = subscription.Body.ShouldNotBeNull($"{subscription.Route} should bind the event's record");

        EventSchemas.AssertConsumerReads(topic, record);
    }

    [Fact]
    public void ItSubscribesToTheLedgersAndFraudServicesTopics_OnItsPubSub()
    {
        Subscriptions.Value.Select(s => s.Topic).ShouldBe(
            [Topics.TransactionPosted, Topics.AccountOpened, Topics.HoldCreated, Topics.HoldPosted, Topics.HoldVoided, Topics.HoldExpired,
             Topics.ReversalRequested, Topics.ReversalCompleted, Topics.ReversalFailed, Topics.FraudFlagged], ignoreOrder: true);
        Subscriptions.Value.ShouldAllBe(s => s.PubSub == Components.PubSub);
        Subscriptions.Value.Select(s => s.Topic).ShouldAllBe(topic => EventSchemas.Topics().Contains(topic));
    }

    [Fact]
    public void TheEventsThatFeedTheReadModels_AllDecodeFromTheLog()
    {
        var posted = JsonSerializer.SerializeToElement(new
        {
            eventId = Guid.CreateVersion7(), occurredAt = DateTimeOffset.UnixEpoch, sequence = 3, entryId = Guid.CreateVersion7(), kind = "deposit",
            metadata = new { }, extra = "ignored",
            postings = new[]
            {
                new { accountId = Guid.CreateVersion7(), direction = "debit", amount = 5, currency = "EUR", balanceAfter = -5 },
                new { accountId = Guid.CreateVersion7(), direction = "credit", amount = 5, currency = "EUR", balanceAfter = 5 },
            },
        });

        EventDecoder.Decode(Topics.TransactionPosted, posted).ShouldBeOfType<TransactionPosted>().Postings.Count.ShouldBe(2);
        EventDecoder.Decode("account.closed.v1", posted).ShouldBeNull();
        var opened = JsonSerializer.SerializeToElement(new
        {
            eventId = Guid.CreateVersion7(), occurredAt = DateTimeOffset.UnixEpoch, sequence = 1, accountId = Guid.CreateVersion7(), ownerId = "alice",
            currency = "EUR", kind = "customer", overdraftLimit = 0, metadata = new { },
        });
        // The owner is replayed with the rest, so a rebuild restores who may read which account.
        EventDecoder.Decode(Topics.AccountOpened, opened).ShouldBeOfType<AccountOpened>().OwnerId.ShouldBe("alice");
    }

    /// <summary>The service's own registrations (nothing is started or connected), so its handlers' parameters bind as in
    /// production; then every subscription it maps.</summary>
    private static IReadOnlyList<DaprSubscription> Discover() =>
        DaprSubscriptions.Discover(typeof(Program).Assembly, builder => builder.AddReadModels(),
            new Dictionary<string, string?> { [$"ConnectionStrings:{AnalyticsRegistration.ConnectionStringName}"] = "Host=unused.invalid;Database=unused" });
}
