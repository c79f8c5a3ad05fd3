using LedgerX.Fraud.Domain.Scoring;

namespace LedgerX.Fraud.UnitTests.Scoring;

public class RiskScorerScore
{
    [Fact]
    public void AddsThePointsOfEveryRuleThatFires_StrongestFirst_CappedAt100()
    {
        var scorer = RiskScorer.FromDefinitions(
        [
            Rule.Of("round_amount", 70),
            Rule.Of("large_amount", 60, ("threshold", 100_000)),
            Rule.Of("velocity_burst", 20),
        ]);
        var t = new Timeline();

        var assessment = scorer.Score(t.Profile, t.Out(1_000_000, "x"));

        assessment.Score.ShouldBe(100);
        assessment.Reasons.Select(r => r.RuleId).ShouldBe(["round-amount", "large-amount"]);
        assessment.Reasons.Sum(r => r.Points).ShouldBe(130);
    }

    [Fact]
    public void ARuleWithWeightZeroNeverContributes()
    {
        var scorer = RiskScorer.FromDefinitions([Rule.Of("round_amount", 0)]);
        var t = new Timeline();

        var assessment = scorer.Score(t.Profile, t.Out(1_000_000));

        assessment.Score.ShouldBe(0);
        assessment.Reasons.ShouldBeEmpty();
    }

    [Fact]
    public void ANormalMonthOfSalaryRentAndShopping_ScoresLow()
    {
        var scorer = Rule.Defaults();
        var t = new Timeline();
        var scores = new List<int>();
        for (var month = 0; month < 2; month++)
        {
            var first = Timeline.Start.AddMonths(month);
            scores.Add(t.At(first.AddHours(8)).Assess(scorer, t.In(300_000, "employer")).Score);
            scores.Add(t.At(first.AddDays(1).AddHours(9)).Assess(scorer, t.Out(120_000, "landlord")).Score);
            scores.Add(t.At(first.AddDays(3).AddHours(18)).Assess(scorer, t.Out(8_900, "power-company")).Score);
            for (var week = 0; week < 4; week++)
            {
                scores.Add(t.At(first.AddDays(2 + (7 * week)).AddHours(17)).Assess(scorer, t.Out(6_450 + (week * 310), "grocer")).Score);
                scores.Add(t.At(first.AddDays(5 + (7 * week)).AddHours(12)).Assess(scorer, t.Out(2_380 + (week * 95), "cafe")).Score);
            }
        }

        scores.Max().ShouldBeLessThan(30, string.Join(",", scores));
    }

    [Fact]
    public void DrainingADepositToNewCounterparties_ScoresHigh()
    {
        var scorer = Rule.Defaults();
        var t = new Timeline();
        // A month of ordinary history first, so the account has a norm to deviate from.
        for (var day = 0; day < 20; day++)
        {
            t.At(Timeline.Start.AddDays(day).AddHours(12)).Assess(scorer, t.Out(3_000 + (day * 37), "grocer"));
        }
        t.At(Timeline.Start.AddDays(21).AddHours(12)).Assess(scorer, t.In(2_500_000, "unknown-sender"));

        t.Advance(TimeSpan.FromMinutes(3));
        var first = t.Assess(scorer, t.Out(1_200_000, "mule-1"));
        t.Advance(TimeSpan.FromMinutes(1));
        var second = t.Assess(scorer, t.Out(1_100_000, "mule-2"));

        first.Score.ShouldBeGreaterThanOrEqualTo(60);
        second.Score.ShouldBeGreaterThanOrEqualTo(85, string.Join("; ", second.Reasons));
        second.Reasons.Select(r => r.RuleType).ShouldContain("drain_after_deposit");
        second.Reasons.Select(r => r.RuleType).ShouldContain("new_counterparty");
    }
}
