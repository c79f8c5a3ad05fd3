using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using LedgerX.Transactions.Api.Events;
using LedgerX.Transactions.Domain;
using LedgerX.Transactions.Domain.Events;
using LedgerX.Testing;
using LedgerX.Transactions.UnitTests.Support;

namespace LedgerX.Transactions.UnitTests.Contracts;

/// <summary>
/// The JSON Schemas in contracts/events/ describe exactly what is published: events produced by the ledger, serialized by
/// <see cref="LedgerEventSerializer"/> (the same bytes the outbox publishes), validate against them; every topic has a
/// schema and every schema a topic; and a schema lists exactly the properties its event type has.
/// </summary>
public class EventSchemaTests
{
    private static readonly IReadOnlyList<LedgerEvent> Log = ProduceEveryKindOfEvent();

    public static TheoryData<string> AllTopics() => [.. PublishedTopics()];

    [Theory]
    [MemberData(nameof(AllTopics))]
    public void EventsProducedByTheLedgerMatchTheirSchema(string topic)
    {
        var events = Log.Where(e => LedgerEventSerializer.TypeOf(e) == topic).ToList();

        events.ShouldNotBeEmpty($"the scenario must produce at least one {topic}");
        foreach (var e in events)
        {
            EventSchemas.AssertValid(topic, LedgerEventSerializer.Serialize(e));
        }
    }

    [Theory]
    [InlineData(Topics.TransactionPosted, new[] { "description", "category", "reversesEntryId", "holdId" })]
    [InlineData(Topics.HoldCreated, new[] { "description", "reversalId" })]
    public void OptionalFieldsAreBothPresentAndOmittedInTheScenario(string topic, string[] optionalFields)
    {
        var payloads = Log.Where(e => LedgerEventSerializer.TypeOf(e) == topic)
            .Select(e => JsonNode.Parse(LedgerEventSerializer.Serialize(e))!.AsObject()).ToList();

        foreach (var optional in optionalFields)
        {
            payloads.ShouldContain(e => e.ContainsKey(optional), $"some {topic} carries {optional}");
            payloads.ShouldContain(e => !e.ContainsKey(optional), $"some {topic} omits {optional}");
        }
        payloads.ShouldAllBe(e => e.ContainsKey("eventId") && e.ContainsKey("occurredAt") && e.ContainsKey("sequence"));
    }

    [Fact]
    public void EveryTopicHasASchemaFile()
    {
        var files = EventSchemas.Topics();

        PublishedTopics().Where(topic => !files.Contains(topic)).ShouldBeEmpty("topics without a schema in contracts/events");
    }

    /// <summary>The topic families transaction-service owns; other publishers (fraud-service) keep their schemas in the
    /// same folder, and their own tests answer for them.</summary>
    private static readonly string[] LedgerTopicFamilies = ["account.", "transaction.", "hold.", "reversal."];

    [Fact]
    public void EveryLedgerSchemaFileHasATopic()
    {
        var topics = PublishedTopics();

        EventSchemas.Topics().Where(file => LedgerTopicFamilies.Any(family => file.StartsWith(family, StringComparison.Ordinal)))
            .Where(file => !topics.Contains(file))
            .ShouldBeEmpty("ledger schemas in contracts/events without a topic in Topics.cs");
    }

    [Fact]
    public void TheSerializerKnowsEveryTopicAndNothingElse() =>
        LedgerEventSerializer.AllTypes.Order().ShouldBe(PublishedTopics().Order());

    [Theory]
    [MemberData(nameof(AllTopics))]
    public void SchemaIsAClosedDraft202012SchemaNamedAfterItsTopic(string topic)
    {
        var json = EventSchemas.Document(topic);

        json["$schema"]!.GetValue<string>().ShouldBe("https://json-schema.org/draft/2020-12/schema");
        json["$id"]!.GetValue<string>().ShouldBe($"https://ledgerx.dev/contracts/events/{topic}.schema.json");
        json["title"]!.GetValue<string>().ShouldNotBeNullOrWhiteSpace();
        json["description"]!.GetValue<string>().ShouldNotBeNullOrWhiteSpace();
        json["type"]!.GetValue<string>().ShouldBe("object");
        json["additionalProperties"]!.GetValue<bool>().ShouldBeFalse();
        json["required"]!.AsArray().Select(r => r!.GetValue<string>()).ShouldBeSubsetOf(json["properties"]!.AsObject().Select(p => p.Key));
    }

    [Theory]
    [MemberData(nameof(AllTopics))]
    public void SchemaListsExactlyTheEventsPropertiesAndRequiresTheNonNullableOnes(string topic)
    {
        var type = EventType(topic);
        var json = EventSchemas.Document(topic);

        AssertMatches(type, json, topic);
    }

    [Fact]
    public void EntryKindsInTheSchemaAreExactlyTheLedgersKinds()
    {
        var kinds = EventSchemas.Document(Topics.TransactionPosted)["properties"]!["kind"]!["enum"]!.AsArray();

        kinds.Select(k => k!.GetValue<string>()).Order().ShouldBe(Enum.GetValues<EntryKind>().Select(Ledger.KindName).Order());
    }

    [Fact]
    public void PostingLinesMatchTheirSchema()
    {
        var items = EventSchemas.Document(Topics.TransactionPosted)["properties"]!["postings"]!["items"]!.AsObject();

        AssertMatches(typeof(PostingLine), items, "postings[]");
        items["additionalProperties"]!.GetValue<bool>().ShouldBeFalse();
    }

    [Fact]
    public void RefusesAPayloadMissingARequiredField()
    {
        var payload = JsonNode.Parse(LedgerEventSerializer.Serialize(Log.OfType<HoldCreated>().First()))!.AsObject();
        payload.Remove("amount").ShouldBeTrue();

        var result = EventSchemas.Validate(Topics.HoldCreated, payload.ToJsonString());

        result.ShouldContain(p => p.Contains("amount", StringComparison.Ordinal));
    }

    [Fact]
    public void RefusesAPayloadMissingTheEnvelope()
    {
        var payload = JsonNode.Parse(LedgerEventSerializer.Serialize(Log.OfType<AccountClosed>().First()))!.AsObject();
        payload.Remove("sequence");

        EventSchemas.Validate(Topics.AccountClosed, payload.ToJsonString()).ShouldNotBeEmpty();
    }

    [Fact]
    public void RefusesAPayloadWithAnUndeclaredField()
    {
        var payload = JsonNode.Parse(LedgerEventSerializer.Serialize(Log.OfType<AccountFrozen>().First()))!.AsObject();
        payload["frozenBy"] = "someone";

        EventSchemas.Validate(Topics.AccountFrozen, payload.ToJsonString()).ShouldNotBeEmpty();
    }

    [Theory]
    [InlineData("eventId", "\"not-a-uuid\"")]
    [InlineData("occurredAt", "\"yesterday\"")]
    [InlineData("currency", "\"eur\"")]
    [InlineData("amount", "0")]
    [InlineData("amount", "12.5")]
    [InlineData("kind", "\"gift\"")]
    [InlineData("postings", "[]")]
    public void RefusesAPayloadWithAWrongValue(string field, string value)
    {
        var entry = Log.OfType<TransactionPosted>().First(t => t.Kind == "deposit");
        var payload = JsonNode.Parse(LedgerEventSerializer.Serialize(entry))!.AsObject();
        if (field is "currency" or "amount")
        {
            payload["postings"]![0]![field] = JsonNode.Parse(value);
        }
        else
        {
            payload[field] = JsonNode.Parse(value);
        }

        EventSchemas.Validate(Topics.TransactionPosted, payload.ToJsonString()).ShouldNotBeEmpty();
    }

    private static void AssertMatches(Type type, JsonObject schema, string what)
    {
        var nullability = new NullabilityInfoContext();
        var properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance);
        var names = properties.Select(p => JsonNamingPolicy.CamelCase.ConvertName(p.Name)).Order().ToList();
        var required = properties.Where(p => nullability.Create(p).ReadState != NullabilityState.Nullable)
            .Select(p => JsonNamingPolicy.CamelCase.ConvertName(p.Name)).Order().ToList();

        schema["properties"]!.AsObject().Select(p => p.Key).Order().ShouldBe(names, Case.Sensitive, $"properties of {what}");
        schema["required"]!.AsArray().Select(r => r!.GetValue<string>()).Order().ShouldBe(required, Case.Sensitive, $"required of {what}");
    }

    private static HashSet<string> PublishedTopics() =>
        typeof(Topics).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.FieldType == typeof(string))
            .Select(f => (string)f.GetRawConstantValue()!)
            .ToHashSet(StringComparer.Ordinal);

    private static Type EventType(string topic) =>
        typeof(LedgerEvent).Assembly.GetTypes().Where(t => t.IsSubclassOf(typeof(LedgerEvent)) && !t.IsAbstract)
            .Single(t => LedgerEventSerializer.TypeOf((LedgerEvent)System.Runtime.CompilerServices.RuntimeHelpers.GetUninitializedObject(t)) == topic);

    /// <summary>A day in a small bank that emits every kind of event, with optional fields both set and left out.</summary>
    private static List<LedgerEvent> ProduceEveryKindOfEvent()
    {
        var ledger = new LedgerWithClock();
        var alice = ledger.Execute(Commands.Open("customer-alice", LedgerWithClock.Eur, 10_000,
            new Dictionary<string, string> { ["segment"] = "retail", ["branch"] = "lyon" })).OfType<AccountOpened>().Single();
        var aliceId = new AccountId(alice.AccountId);
        var bob = ledger.Open("customer-bob");
        ledger.Deposit(aliceId, 250_000);
        var rent = ledger.Execute(Commands.Transfer(aliceId, bob, 80_000, LedgerWithClock.Eur) with
        {
            Details = new EntryDetails("Rent March", "housing", new Dictionary<string, string> { ["invoice"] = "2025-03" }),
        }).OfType<TransactionPosted>().Single();
        ledger.Execute(Commands.Journal(
            Commands.Debit(aliceId, 3_000, LedgerWithClock.Eur, 0),
            Commands.Credit(bob, 2_900, LedgerWithClock.Eur, 1),
            Commands.Credit(null, 100, LedgerWithClock.Eur, 2)));
        ledger.Execute(new FreezeAccount(bob, "fraud alert 17: unusual incoming volume"));
        ledger.Execute(Commands.Transfer(bob, aliceId, 80_000, LedgerWithClock.Eur, EntryKind.Reversal, new EntryId(rent.EntryId)));
        ledger.Execute(new UnfreezeAccount(bob));
        var posted = ledger.Execute(Commands.Hold(aliceId, bob, 5_000, ledger.Clock.GetUtcNow().AddHours(2), LedgerWithClock.Eur, "hotel deposit"))
            .OfType<HoldCreated>().Single();
        var voided = ledger.Hold(aliceId, bob, 1_000);
        var expired = ledger.Hold(aliceId, bob, 700, TimeSpan.FromMinutes(15));
        ledger.Clock.Advance(TimeSpan.FromMinutes(20.123));
        ledger.Execute(new PostHold(new HoldId(posted.HoldId), 4_200));
        ledger.Execute(new VoidHold(voided));
        ledger.Execute(new ExpireHold(expired));
        ledger.Withdraw(aliceId, 1_000);
        var refund = ledger.Transfer(aliceId, bob, 2_000);
        var reversal = new ReversalId(Guid.CreateVersion7());
        ledger.Execute(new RequestReversal(reversal, new EntryId(refund.EntryId), null, "duplicate payment", LedgerWithClock.Start, ApprovalThresholds.Uniform(1_000)));
        // The saga's hold names its reversal (hold.created.v1 reversalId), and so may sit on a world account.
        var reversalHold = new HoldId(ledger.Execute(Commands.Hold(bob, aliceId, 2_000, ledger.Clock.GetUtcNow().AddHours(1), LedgerWithClock.Eur,
            $"reversal {reversal}") with { ForReversal = reversal }).OfType<HoldCreated>().Single().HoldId);
        var reversing = ledger.Execute(Commands.Transfer(bob, aliceId, 2_000, LedgerWithClock.Eur, EntryKind.Reversal, new EntryId(refund.EntryId)) with
        {
            FromHoldId = reversalHold,
        }).OfType<TransactionPosted>().Single();
        ledger.Execute(new CompleteReversal(reversal, new EntryId(refund.EntryId), new EntryId(reversing.EntryId), new Money(2_000, LedgerWithClock.Eur)));
        ledger.Execute(new FailReversal(new ReversalId(Guid.CreateVersion7()), new EntryId(rent.EntryId), "approval timed out", ["hold_voided"]));
        var leaver = ledger.Open("customer-carol", LedgerWithClock.Jpy);
        ledger.Execute(new CloseAccount(leaver));
        return [.. ledger.Log];
    }
}
