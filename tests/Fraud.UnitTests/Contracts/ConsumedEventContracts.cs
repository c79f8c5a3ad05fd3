using System.Text.Json;
using LedgerX.Fraud.Api;
using LedgerX.Fraud.Api.Events;
using LedgerX.Testing;

namespace LedgerX.Fraud.UnitTests.Contracts;

/// <summary>
/// fraud-service as a consumer of the ledger's events: for every topic it subscribes to (read from its mapped
/// endpoints), the record it reads declares only fields the publisher's JSON Schema has, with compatible JSON types.
/// Its handlers drop an event missing any of those fields (<c>IsComplete</c>), so each must also be one the schema
/// requires: a publisher that stopped writing one would send every such event to the dead letters.
/// </summary>
public sealed class ConsumedEventContracts
{
    /// <summary>The record each handler reads. Fraud's handlers read the body themselves (to answer DROP to malformed
    /// payloads), so the record is not in the endpoint's metadata; <see cref="EveryTopicItSubscribesTo_IsListedHere"/>
    /// keeps this table equal to the subscriptions.</summary>
    private static readonly Dictionary<string, Type> Readers = new()
    {
        [Topics.TransactionPosted] = typeof(TransactionPosted),
        [Topics.HoldCreated] = typeof(HoldCreated),
        [Topics.AccountOpened] = typeof(AccountOpened),
    };

    private static readonly Lazy<IReadOnlyList<DaprSubscription>> Subscriptions = new(Discover);

    public static TheoryData<string> ReadTopics() => [.. Readers.Keys.Order(StringComparer.Ordinal)];

    [Fact]
    public void EveryTopicItSubscribesTo_IsListedHere()
    {
        Subscriptions.Value.Select(s => s.Topic).Order(StringComparer.Ordinal).ShouldBe(Readers.Keys.Order(StringComparer.Ordinal));
        Subscriptions.Value.ShouldAllBe(s => s.PubSub == Components.PubSub);
    }

    /// <summary>Fields a record reads that the schema keeps optional, and that its <c>IsComplete</c> therefore does not
    /// demand: hold.created.v1's reversalId is only on a reversal saga's hold (absent, the hold is a client's).</summary>
    private static readonly Dictionary<string, string[]> OptionalReads = new()
    {
        [Topics.HoldCreated] = ["reversalId"],
    };

    [Theory]
    [MemberData(nameof(ReadTopics))]
    public void TheRecordItReads_FitsThePublishersSchema_AndEveryFieldIsRequiredThere(string topic)
    {
        if (!OptionalReads.TryGetValue(topic, out var optional))
        {
            EventSchemas.AssertConsumerReads(topic, Readers[topic], ConsumerRequires.EveryField);
            return;
        }
        // Every field exists with a type the record can hold (optional ones included); every other field is required.
        EventSchemas.AssertConsumerReads(topic, Readers[topic], ConsumerRequires.DeclaredFields);
        var required = EventSchemas.Document(topic)["required"]!.AsArray().Select(r => r!.GetValue<string>()).ToHashSet(StringComparer.Ordinal);
        var properties = EventSchemas.Document(topic)["properties"]!.AsObject();
        var reads = Readers[topic].GetConstructors().Single().GetParameters().Select(p => JsonNamingPolicy.CamelCase.ConvertName(p.Name!)).ToList();

        optional.ShouldBeSubsetOf(reads, $"{Readers[topic].Name} reads every field listed as optional");
        optional.ShouldAllBe(field => properties.ContainsKey(field) && !required.Contains(field));
        reads.Except(optional).Where(field => !required.Contains(field)).ShouldBeEmpty($"fields {Readers[topic].Name} cannot do without that {topic} does not require");
    }

    /// <summary>The service's own registrations (nothing is started or connected), then every subscription it maps.</summary>
    private static IReadOnlyList<DaprSubscription> Discover() =>
        DaprSubscriptions.Discover(typeof(FraudRegistration).Assembly, builder => builder.AddFraudDetection(),
            new Dictionary<string, string?> { [$"ConnectionStrings:{FraudRegistration.ConnectionStringName}"] = "Host=unused.invalid;Database=unused" });
}
