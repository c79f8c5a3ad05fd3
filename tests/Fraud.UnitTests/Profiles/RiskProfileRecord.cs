using LedgerX.Fraud.Domain;
using LedgerX.Fraud.Domain.Profiles;

namespace LedgerX.Fraud.UnitTests.Profiles;

public class RiskProfileRecord
{
    [Fact]
    public void KeepsStatisticsPerDirection_CounterpartiesAndHours()
    {
        var t = new Timeline();
        t.Record(t.In(300_000)).Record(t.Out(120_000, "landlord")).Advance(TimeSpan.FromHours(2)).Record(t.Out(5_000, "grocer"));

        t.Profile.Inflows.Count.ShouldBe(1);
        t.Profile.Outflows.Count.ShouldBe(2);
        t.Profile.Outflows.Mean.ShouldBe(62_500);
        t.Profile.MovementCount.ShouldBe(3);
        t.Profile.Counterparties.ShouldBe(["landlord", "grocer"]);
        t.Profile.HourCounts[9].ShouldBe(2);
        t.Profile.HourCounts[11].ShouldBe(1);
    }

    [Fact]
    public void ForgetsRecentMovementsBeyondTheHorizon_AndBoundsItsCollections()
    {
        var t = new Timeline();
        t.Record(t.Out(1, "old"));
        t.Advance(RiskProfile.RecentHorizon + TimeSpan.FromMinutes(1));
        for (var i = 0; i < RiskProfile.MaxCounterparties + 10; i++)
        {
            t.Record(t.Out(10, $"c{i}"));
        }

        t.Profile.Recent.Count.ShouldBe(RiskProfile.MaxRecentMovements);
        t.Profile.Recent.ShouldAllBe(r => r.OccurredAt >= t.Now - RiskProfile.RecentHorizon);
        t.Profile.Counterparties.Count.ShouldBe(RiskProfile.MaxCounterparties);
        t.Profile.Knows("old").ShouldBeFalse();
        t.Profile.Knows($"c{RiskProfile.MaxCounterparties + 9}").ShouldBeTrue();
    }

    [Fact]
    public void AMovementScoredAtTheExclusionScore_StaysOutOfTheAmountBaseline_ButInTheWindows()
    {
        var t = new Timeline();
        var scorer = Rule.Only("large_amount", 60, ("threshold", 100_000));
        var (after, assessment, _) = t.Profile.Assess(t.Out(500_000, "x"), scorer, baselineExclusionScore: 50);

        assessment.Score.ShouldBe(60);
        after.Outflows.Count.ShouldBe(0);
        after.MovementCount.ShouldBe(1);
        after.Recent.Single().Amount.ShouldBe(500_000);
        after.Knows("x").ShouldBeTrue();

        var (ordinary, _, _) = t.Profile.Assess(t.Out(5_000, "y"), scorer, baselineExclusionScore: 50);
        ordinary.Outflows.Count.ShouldBe(1);
    }

    [Fact]
    public void RefusesANonPositiveAmount()
    {
        var t = new Timeline();

        Should.Throw<ArgumentOutOfRangeException>(() => t.Profile.Record(t.Out(0)));
    }

    [Fact]
    public void ARedeliveredEvent_GetsTheSameAssessment_AndCountsOnce()
    {
        var t = new Timeline();
        var scorer = Rule.Defaults();
        var movement = t.Out(50_000, "someone");

        var (once, first, duplicate1) = t.Profile.Assess(movement, scorer);
        var (twice, second, duplicate2) = once.Assess(movement, scorer);

        duplicate1.ShouldBeFalse();
        duplicate2.ShouldBeTrue();
        second.ShouldBe(first);
        twice.ShouldBeSameAs(once);
        twice.Outflows.Count.ShouldBe(1);
    }

    [Fact]
    public void RemembersABoundedNumberOfAssessments()
    {
        var t = new Timeline();
        var scorer = Rule.Defaults();
        for (var i = 0; i < RiskProfile.MaxRememberedAssessments + 5; i++)
        {
            t.Assess(scorer, t.In(100));
        }

        t.Profile.Assessments.Count.ShouldBe(RiskProfile.MaxRememberedAssessments);
    }
}
