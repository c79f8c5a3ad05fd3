using System.Text.Json;
using LedgerX.Notifications.Api;
using LedgerX.Notifications.Api.Delivery;
using LedgerX.Notifications.Api.Events;
using LedgerX.Notifications.Api.Intake;
using LedgerX.Testing;

namespace LedgerX.Notifications.UnitTests.Contracts;

/// <summary>
/// notification-service as a consumer: for every topic it subscribes to (read from its mapped endpoints), the record it
/// reads declares only fields the publisher's JSON Schema has, with compatible JSON types. As a publisher:
/// notifications.dead_letter.v1 as it serializes it validates against its schema.
/// </summary>
public sealed class EventContracts
{
    private static readonly Dictionary<string, Type> Readers = new()
    {
        [Topics.AccountOpened] = typeof(AccountOpened),
        [Topics.TransactionPosted] = typeof(TransactionPosted),
        [Topics.HoldCreated] = typeof(HoldEvent),
        [Topics.HoldPosted] = typeof(HoldEvent),
        [Topics.HoldVoided] = typeof(HoldEvent),
        [Topics.HoldExpired] = typeof(HoldEvent),
        [Topics.ReversalRequested] = typeof(ReversalRequested),
        [Topics.ReversalCompleted] = typeof(ReversalEnded),
        [Topics.ReversalFailed] = typeof(ReversalEnded),
        [Topics.AccountFrozen] = typeof(AccountFreezeChanged),
        [Topics.AccountUnfrozen] = typeof(AccountFreezeChanged),
        [Topics.FraudFlagged] = typeof(FraudFlagged),
        [Topics.AuthAccountMessage] = typeof(AccountMessage),
        [Topics.AuthUserContact] = typeof(UserContact),
        [Topics.AuditRecorded] = typeof(AuditRecorded),
    };

    /// <summary>Fields a shared record reads that some of its topics do not have (the record serves several).</summary>
    private static readonly Dictionary<string, string[]> AbsentOnTopic = new()
    {
        [Topics.HoldCreated] = ["releasedAmount", "entryId"],
        [Topics.HoldPosted] = ["expiresAt", "description"],
        [Topics.HoldVoided] = ["toAccountId", "expiresAt", "description", "entryId"],
        [Topics.HoldExpired] = ["toAccountId", "expiresAt", "description", "entryId"],
        [Topics.ReversalCompleted] = ["reason"],
        [Topics.ReversalFailed] = ["amount", "currency"],
        [Topics.AccountUnfrozen] = ["reason"],
    };

    public static TheoryData<string> ReadTopics() => [.. Readers.Keys.Order(StringComparer.Ordinal)];

    [Fact]
    public void EveryTopicItSubscribesTo_IsListedHere()
    {
        var subscriptions = DaprSubscriptions.Discover(typeof(CoreModules).Assembly, builder => builder.AddIntake(),
            new Dictionary<string, string?> { ["ConnectionStrings:Notifications"] = "Host=unused.invalid;Database=unused" });
        subscriptions.Select(s => s.Topic).Order(StringComparer.Ordinal).ShouldBe(Readers.Keys.Order(StringComparer.Ordinal));
        subscriptions.ShouldAllBe(s => s.PubSub == Components.PubSub);
    }

    [Theory]
    [MemberData(nameof(ReadTopics))]
    public void TheRecordItReads_FitsThePublishersSchema(string topic)
    {
        var problems = EventSchemas.CheckConsumerReads(topic, Readers[topic])
            .Where(p => !AbsentOnTopic.GetValueOrDefault(topic, []).Any(field => p.Contains($".{field}", StringComparison.Ordinal) || p.Contains($"'{field}'", StringComparison.Ordinal)))
            .ToList();
        problems.ShouldBeEmpty();
    }

    /// <summary>The allowance above hides only what it names: hold.voided.v1 without it reports exactly those fields.</summary>
    [Fact]
    public void TheAllowanceForAbsentFieldsHidesOnlyThem()
    {
        var problems = EventSchemas.CheckConsumerReads(Topics.HoldVoided, typeof(HoldEvent));
        problems.Count.ShouldBe(AbsentOnTopic[Topics.HoldVoided].Length, string.Join("; ", problems));
    }

    [Fact]
    public void ThePublishedDeadLetterFitsItsSchema()
    {
        var row = new NotificationRow
        {
            Id = Guid.CreateVersion7(), EventId = Guid.CreateVersion7(), UserId = "ann", Channel = "push", Kind = "transaction.credited",
            Status = NotificationStatus.Dead, Language = "en", Attempts = 8, LastError = "503 from provider", DeadAt = DateTimeOffset.UtcNow,
            DeadLetterEventId = Guid.CreateVersion7(),
        };
        EventSchemas.AssertValid(Topics.NotificationDeadLetter,
            JsonSerializer.Serialize(NotificationDeadLettered.From(row), new JsonSerializerOptions(JsonSerializerDefaults.Web)));
    }
}
