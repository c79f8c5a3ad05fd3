using LedgerX.Fraud.Domain.Rules;
using LedgerX.Fraud.Domain.Scoring;

namespace LedgerX.Fraud.UnitTests.Rules;

public class RuleCatalogBuild
{
    [Fact]
    public void AcceptsEveryKnownType_WithDefaultsForOmittedParameters()
    {
        var result = RuleCatalog.Build([.. RuleCatalog.Types.Keys.Select(type => Rule.Of(type, 10))]);

        result.IsValid.ShouldBeTrue(string.Join(" ", result.Errors));
        result.Rules!.Count.ShouldBe(RuleCatalog.Types.Count);
        result.Rules.First(r => r.Definition.Type == "velocity_burst").Definition.Parameters["maxCount"].ShouldBe(5);
    }

    [Fact]
    public void MatchesParameterNamesIgnoringCase()
    {
        var result = RuleCatalog.Build([Rule.Of("velocity_burst", 10, ("MaxCount", 9))]);

        result.Rules!.Single().Definition.Parameters["maxCount"].ShouldBe(9);
    }

    [Fact]
    public void RejectsAnUnknownType_NamingTheKnownOnes()
    {
        var result = RuleCatalog.Build([Rule.Of("moon_phase")]);

        result.IsValid.ShouldBeFalse();
        result.Errors.Single().ShouldContain("unknown rule type 'moon_phase'");
        result.Errors.Single().ShouldContain("velocity_burst");
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(101)]
    public void RejectsAWeightOutOfRange(int weight)
    {
        var result = RuleCatalog.Build([Rule.Of("round_amount", weight)]);

        result.Errors.Single().ShouldContain($"weight {weight} is outside 0..100");
    }

    [Fact]
    public void RejectsUnknownAndOutOfRangeParameters()
    {
        var result = RuleCatalog.Build([Rule.Of("drain_after_deposit", 10, ("drainRatio", 1.5), ("speed", 3))]);

        result.Errors.Count.ShouldBe(2);
        result.Errors.ShouldContain(e => e.Contains("drainRatio = 1.5 is outside 0.1..1"));
        result.Errors.ShouldContain(e => e.Contains("unknown parameter 'speed'"));
    }

    [Fact]
    public void RejectsMissingAndDuplicateIds_AndAnEmptyList()
    {
        RuleCatalog.Build([Rule.Of("round_amount"), Rule.Of("round_amount")]).Errors.Single().ShouldContain("used by another rule");
        RuleCatalog.Build([Rule.Of("round_amount") with { Id = " " }]).Errors.Single().ShouldContain("has no id");
        RuleCatalog.Build([]).Errors.Single().ShouldContain("At least one rule");
    }

    [Fact]
    public void RejectsAFullZScoreNotAboveTheZScore()
    {
        RuleCatalog.Build([Rule.Of("amount_deviation", 10, ("zScore", 5), ("fullZScore", 4))]).Errors.Single().ShouldContain("fullZScore must be greater");
    }

    [Fact]
    public void ReportsEveryProblemAtOnce_AndTheScorerRefusesToBuild()
    {
        RuleDefinition[] definitions = [Rule.Of("moon_phase"), Rule.Of("round_amount", 500)];

        RuleCatalog.Build(definitions).Errors.Count.ShouldBe(2);
        Should.Throw<ArgumentException>(() => RiskScorer.FromDefinitions(definitions)).Message.ShouldContain("Invalid fraud rules");
    }
}
