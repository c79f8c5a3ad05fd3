using LedgerX.Testing;

namespace LedgerX.Fraud.UnitTests.Contracts;

/// <summary>The consumer check itself (LedgerX.Testing's EventSchemas) refuses readers that do not fit the schema, each
/// problem named by its path: a check that passes everything would make the consumer contracts worthless.</summary>
public sealed class ConsumerCheckRefusals
{
    private const string Posted = "transaction.posted.v1";
    private const string HoldCreated = "hold.created.v1";

    private sealed record ReadsAFieldTheLedgerNeverWrites(Guid EventId, string? Merchant);

    private sealed record PostingWithIban(Guid AccountId, string Iban);

    private sealed record ReadsANestedFieldTheLedgerNeverWrites(Guid EventId, IReadOnlyList<PostingWithIban> Postings);

    private sealed record ReadsAnIntegerAsText(string Amount);

    private sealed record ReadsAnAmountIntoAnInt(int Amount);

    private sealed record ReadsTheCurrencyAsAGuid(Guid Currency);

    private sealed record RequiresAnOptionalField
    {
        public required Guid EventId { get; init; }
        public required string Description { get; init; }
    }

    private sealed record ReadsWhatThereIs(Guid EventId, long Amount, string? Description)
    {
        public bool IsLarge => Amount > 1_000_000; // computed: never read from the payload
    }

    [Fact]
    public void AFieldTheSchemaLacks_Fails()
    {
        var failure = Should.Throw<EventContractException>(() => EventSchemas.AssertConsumerReads(Posted, typeof(ReadsAFieldTheLedgerNeverWrites)));

        failure.Message.ShouldContain("ReadsAFieldTheLedgerNeverWrites.merchant: read by ReadsAFieldTheLedgerNeverWrites.Merchant (String) but the schema has no such property");
    }

    [Fact]
    public void AFieldOfAListItemTheSchemaLacks_Fails() =>
        EventSchemas.CheckConsumerReads(Posted, typeof(ReadsANestedFieldTheLedgerNeverWrites))
            .ShouldBe(["ReadsANestedFieldTheLedgerNeverWrites.postings[].iban: read by PostingWithIban.Iban (String) but the schema has no such property"]);

    [Fact]
    public void AnIncompatibleType_Fails() =>
        EventSchemas.CheckConsumerReads(HoldCreated, typeof(ReadsAnIntegerAsText))
            .ShouldBe(["ReadsAnIntegerAsText.amount: the schema allows a JSON integer, which String cannot hold"]);

    [Fact]
    public void AnIntegerTooNarrowForTheSchemasRange_Fails() =>
        EventSchemas.CheckConsumerReads(HoldCreated, typeof(ReadsAnAmountIntoAnInt)).ShouldHaveSingleItem()
            .ShouldStartWith("ReadsAnAmountIntoAnInt.amount: Int32 holds -2147483648..2147483647, the schema allows 1..");

    [Fact]
    public void AGuidReadFromAStringThatIsNoUuid_Fails() =>
        EventSchemas.CheckConsumerReads(HoldCreated, typeof(ReadsTheCurrencyAsAGuid))
            .ShouldBe(["ReadsTheCurrencyAsAGuid.currency: Guid needs format \"uuid\", the schema says no format"]);

    [Fact]
    public void RequiringAFieldThePublisherMayLeaveOut_Fails() =>
        EventSchemas.CheckConsumerReads(Posted, typeof(RequiresAnOptionalField))
            .ShouldBe(["RequiresAnOptionalField.description: RequiresAnOptionalField.Description cannot do without it, but the schema does not require it"]);

    [Fact]
    public void AReaderThatDropsEventsMissingAnyField_MayNotReadAnOptionalOne() =>
        EventSchemas.CheckConsumerReads(HoldCreated, typeof(ReadsWhatThereIs), ConsumerRequires.EveryField)
            .ShouldBe(["ReadsWhatThereIs.description: ReadsWhatThereIs.Description cannot do without it, but the schema does not require it"]);

    [Fact]
    public void AReaderOfFieldsTheSchemaHas_Passes_AndComputedPropertiesAreNotReads() =>
        EventSchemas.CheckConsumerReads(HoldCreated, typeof(ReadsWhatThereIs)).ShouldBeEmpty();

    [Fact]
    public void ATopicWithoutASchema_Fails() =>
        Should.Throw<EventContractException>(() => EventSchemas.AssertConsumerReads("no.such.topic.v1", typeof(ReadsWhatThereIs)))
            .Message.ShouldContain("no.such.topic.v1 has no schema");
}
