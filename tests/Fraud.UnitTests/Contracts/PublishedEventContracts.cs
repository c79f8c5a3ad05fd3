using System.Text.Json;
using System.Text.Json.Nodes;
using LedgerX.Fraud.Api.Alerts;
using LedgerX.Fraud.Api.Events;
using LedgerX.Testing;

namespace LedgerX.Fraud.UnitTests.Contracts;

/// <summary>fraud-service as the publisher of fraud.flagged.v1: the event, serialized as its outbox writes it, matches
/// the schema it owns, with the optional ids both present and left out; and the schema lists exactly the event's fields.</summary>
public sealed class PublishedEventContracts
{
    private static FraudFlagged Flagged(Guid? entryId, Guid? holdId) => new()
    {
        EventId = Guid.CreateVersion7(),
        OccurredAt = new DateTimeOffset(2026, 3, 1, 9, 30, 0, TimeSpan.FromHours(1)),
        AlertId = Guid.CreateVersion7(),
        AccountId = Guid.CreateVersion7(),
        Score = 85,
        Reasons = [new FlaggedReason("drain", "drain_after_deposit", 60, "90% of a deposit left within 10 minutes"), new FlaggedReason("round", "round_amount", 25, "a round 5000.00")],
        SourceTopic = entryId is null ? Topics.HoldCreated : Topics.TransactionPosted,
        SourceEventId = Guid.CreateVersion7(),
        EntryId = entryId,
        HoldId = holdId,
        Amount = 500_000,
        Currency = "EUR",
        Action = "freeze",
    };

    [Fact]
    public void AnAlertOnAnEntry_MatchesTheSchema() =>
        EventSchemas.AssertValid(Topics.FraudFlagged, JsonSerializer.Serialize(Flagged(Guid.CreateVersion7(), null), AlertRecorder.FlaggedJson));

    [Fact]
    public void AnAlertOnAHold_MatchesTheSchema() =>
        EventSchemas.AssertValid(Topics.FraudFlagged, JsonSerializer.Serialize(Flagged(null, Guid.CreateVersion7()), AlertRecorder.FlaggedJson));

    [Fact]
    public void TheSchemaListsExactlyTheEventsFields()
    {
        var declared = EventSchemas.Document(Topics.FraudFlagged)["properties"]!.AsObject().Select(p => p.Key);
        var written = JsonNode.Parse(JsonSerializer.Serialize(Flagged(Guid.CreateVersion7(), Guid.CreateVersion7()), AlertRecorder.FlaggedJson))!.AsObject().Select(p => p.Key);

        written.Order().ShouldBe(declared.Order());
    }

    [Fact]
    public void AnEventTheSchemaRefuses_IsReportedByPath()
    {
        var payload = JsonNode.Parse(JsonSerializer.Serialize(Flagged(Guid.CreateVersion7(), null), AlertRecorder.FlaggedJson))!.AsObject();
        payload["score"] = 101;
        payload["reasons"]![0]!["points"] = "sixty";

        var problems = EventSchemas.Validate(Topics.FraudFlagged, payload.ToJsonString());

        problems.ShouldContain(p => p.StartsWith("/score", StringComparison.Ordinal));
        problems.ShouldContain(p => p.StartsWith("/reasons/0/points", StringComparison.Ordinal));
        Should.Throw<EventContractException>(() => EventSchemas.AssertValid(Topics.FraudFlagged, payload.ToJsonString()))
            .Message.ShouldContain("/reasons/0/points");
    }
}
