using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using LedgerX.Analytics.Api.Events;

namespace LedgerX.Analytics.UnitTests.Contracts;

/// <summary>
/// Every field analytics-service requires is one the publisher's JSON Schema requires too, with a compatible type, so
/// any event valid against its schema binds to the consumer's record (a schema change that breaks this fails here, not
/// in production). Schemas not in the repository yet are skipped.
/// </summary>
public sealed class ConsumedEventContracts
{
    public static TheoryData<string, Type> Consumed => new()
    {
        { Topics.TransactionPosted, typeof(TransactionPosted) },
        { Topics.HoldCreated, typeof(HoldChanged) },
        { Topics.HoldPosted, typeof(HoldChanged) },
        { Topics.HoldVoided, typeof(HoldChanged) },
        { Topics.HoldExpired, typeof(HoldChanged) },
        { Topics.ReversalRequested, typeof(ReversalChanged) },
        { Topics.ReversalCompleted, typeof(ReversalChanged) },
        { Topics.ReversalFailed, typeof(ReversalChanged) },
        { Topics.FraudFlagged, typeof(FraudFlagged) },
    };

    [Theory]
    [MemberData(nameof(Consumed))]
    public void EveryRequiredField_IsRequiredByThePublishersSchema(string topic, Type record)
    {
        var path = Path.Combine(RepositoryRoot(), "contracts", "events", $"{topic}.schema.json");
        Assert.SkipUnless(File.Exists(path), $"{topic} has no schema in contracts/events yet.");
        var schema = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        var required = schema["required"]!.AsArray().Select(r => r!.GetValue<string>()).ToHashSet();

        var requiredHere = record.GetProperties().Where(p => p.GetCustomAttribute<RequiredMemberAttribute>() is not null).ToList();

        requiredHere.ShouldNotBeEmpty();
        foreach (var property in requiredHere)
        {
            var name = JsonNamingPolicy.CamelCase.ConvertName(property.Name);
            required.ShouldContain(name, $"{record.Name}.{property.Name} is required here but optional in {topic}'s schema");
        }
    }

    [Fact]
    public void APostingLine_ReadsOnlyFieldsEveryPostingHas()
    {
        var path = Path.Combine(RepositoryRoot(), "contracts", "events", $"{Topics.TransactionPosted}.schema.json");
        var required = JsonNode.Parse(File.ReadAllText(path))!["properties"]!["postings"]!["items"]!["required"]!.AsArray()
            .Select(r => r!.GetValue<string>()).ToHashSet();

        typeof(PostingLine).GetConstructors().Single().GetParameters()
            .Select(p => JsonNamingPolicy.CamelCase.ConvertName(p.Name!)).ShouldAllBe(name => required.Contains(name));
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
        EventDecoder.Decode("account.opened.v1", posted).ShouldBeNull();
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "LedgerX.Dapr.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("LedgerX.Dapr.sln not found above the test assembly.");
    }
}
