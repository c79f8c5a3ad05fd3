using LedgerX.Transactions.Domain;

namespace LedgerX.Transactions.UnitTests.Values;

public class LedgerMetadataValidate
{
    [Fact]
    public void TreatsNullAndEmptyAsEmpty()
    {
        LedgerMetadata.Validate(null).ShouldBeEmpty();
        LedgerMetadata.Validate(new Dictionary<string, string>()).ShouldBeEmpty();
    }

    [Fact]
    public void AcceptsEntriesAtEveryBound()
    {
        var metadata = Enumerable.Range(0, LedgerMetadata.MaxEntries - 1)
            .ToDictionary(i => $"k{i:D2}", i => $"v{i}");
        metadata[new string('k', LedgerMetadata.MaxKeyLength)] = new string('v', LedgerMetadata.MaxValueLength);

        var validated = LedgerMetadata.Validate(metadata);

        validated.Count.ShouldBe(LedgerMetadata.MaxEntries);
        validated[new string('k', LedgerMetadata.MaxKeyLength)].Length.ShouldBe(LedgerMetadata.MaxValueLength);
    }

    [Fact]
    public void ReturnsAnOrdinallySortedCopy()
    {
        var input = new Dictionary<string, string> { ["b"] = "2", ["a"] = "1", ["B"] = "3" };

        var validated = LedgerMetadata.Validate(input);
        input["c"] = "changed later";

        validated.Keys.ShouldBe(["B", "a", "b"]);
        validated.ContainsKey("c").ShouldBeFalse();
    }

    [Fact]
    public void RefusesMoreThanMaxEntries()
    {
        var metadata = Enumerable.Range(0, LedgerMetadata.MaxEntries + 1).ToDictionary(i => $"k{i}", i => "v");

        var refused = Should.Throw<LedgerRuleException>(() => LedgerMetadata.Validate(metadata));

        refused.Error.Kind.ShouldBe(LedgerErrorKind.Validation);
        refused.Error.Field.ShouldBe("metadata");
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("\t")]
    public void RefusesBlankKeys(string key)
    {
        var refused = Should.Throw<LedgerRuleException>(() => LedgerMetadata.Validate(new Dictionary<string, string> { [key] = "v" }, "details"));

        refused.Error.Field.ShouldBe("details");
    }

    [Fact]
    public void RefusesKeysLongerThanMaxKeyLength()
    {
        var metadata = new Dictionary<string, string> { [new string('k', LedgerMetadata.MaxKeyLength + 1)] = "v" };

        Should.Throw<LedgerRuleException>(() => LedgerMetadata.Validate(metadata)).Error.Field.ShouldBe("metadata");
    }

    [Fact]
    public void RefusesOverlongValuesNamingTheKey()
    {
        var metadata = new Dictionary<string, string> { ["note"] = new string('v', LedgerMetadata.MaxValueLength + 1) };

        Should.Throw<LedgerRuleException>(() => LedgerMetadata.Validate(metadata)).Error.Field.ShouldBe("metadata.note");
    }

    [Fact]
    public void RefusesNullValues()
    {
        var metadata = new Dictionary<string, string> { ["note"] = null! };

        Should.Throw<LedgerRuleException>(() => LedgerMetadata.Validate(metadata)).Error.Field.ShouldBe("metadata.note");
    }
}
