namespace LedgerX.Fraud.UnitTests.Rules;

/// <summary>Each rule type, firing and not firing. Scores use weight 50 so points equal 50 × strength.</summary>
public class RuleEvaluation
{
    private static Timeline WithOutflows(params long[] amounts)
    {
        var t = new Timeline();
        foreach (var amount in amounts)
        {
            t.Record(t.Out(amount, "shop")).Advance(TimeSpan.FromDays(1));
        }
        return t;
    }

    [Fact]
    public void AmountDeviation_FiresOnAnOutflowFarAboveTheNorm()
    {
        var t = WithOutflows(5000, 6000, 5500, 4800, 5200, 5100);
        var scorer = Rule.Only("amount_deviation");

        var assessment = scorer.Score(t.Profile, t.Out(60_000, "shop"));

        assessment.Score.ShouldBe(50);
        assessment.Reasons.Single().Detail.ShouldContain("standard deviations above");
    }

    [Fact]
    public void AmountDeviation_IsSilentWithinTheNorm_OnInflows_AndWithoutHistory()
    {
        var t = WithOutflows(5000, 6000, 5500, 4800, 5200, 5100);
        var scorer = Rule.Only("amount_deviation");

        scorer.Score(t.Profile, t.Out(6500, "shop")).Score.ShouldBe(0);
        scorer.Score(t.Profile, t.In(600_000)).Score.ShouldBe(0);
        scorer.Score(WithOutflows(5000, 5000).Profile, new Timeline().Out(600_000)).Score.ShouldBe(0);
    }

    [Fact]
    public void AmountDeviation_RampsBetweenZScoreAndFullZScore()
    {
        // Every outflow 1000: the deviation floor (25 % of the mean) is 250, so 2000 is z = 4.
        var t = WithOutflows(1000, 1000, 1000, 1000, 1000);
        var scorer = Rule.Only("amount_deviation", 50, ("zScore", 2), ("fullZScore", 10));

        scorer.Score(t.Profile, t.Out(2000)).Score.ShouldBe(25); // strength 0.25, floored at 0.5
        scorer.Score(t.Profile, t.Out(3000)).Score.ShouldBe(38); // z = 8: strength 0.75
    }

    [Fact]
    public void VelocityBurst_FiresWhenTooManyOutflowsFallInTheWindow()
    {
        var t = new Timeline();
        var scorer = Rule.Only("velocity_burst", 50, ("windowSeconds", 600), ("maxCount", 3));
        for (var i = 0; i < 3; i++)
        {
            t.Record(t.Out(100, "x")).Advance(TimeSpan.FromMinutes(1));
        }

        scorer.Score(t.Profile, t.Out(100, "x")).Score.ShouldBe(25);
        scorer.Score(t.Profile, t.In(100)).Score.ShouldBe(0);
    }

    [Fact]
    public void VelocityBurst_IgnoresOutflowsOutsideTheWindow()
    {
        var t = new Timeline();
        var scorer = Rule.Only("velocity_burst", 50, ("windowSeconds", 600), ("maxCount", 3));
        for (var i = 0; i < 5; i++)
        {
            t.Record(t.Out(100, "x")).Advance(TimeSpan.FromMinutes(11));
        }

        scorer.Score(t.Profile, t.Out(100, "x")).Score.ShouldBe(0);
    }

    [Fact]
    public void NewCounterparty_FiresOnceTheAccountHasHistory()
    {
        var t = WithOutflows(100, 100, 100, 100, 100);
        var scorer = Rule.Only("new_counterparty");

        var assessment = scorer.Score(t.Profile, t.Out(100, "stranger"));

        assessment.Score.ShouldBe(50);
        assessment.Reasons.Single().Detail.ShouldContain("stranger");
    }

    [Fact]
    public void NewCounterparty_IsSilentForKnownCounterparties_YoungAccounts_AndTheOutsideWorld()
    {
        var scorer = Rule.Only("new_counterparty");

        scorer.Score(WithOutflows(100, 100, 100, 100, 100).Profile, new Timeline().Out(100, "shop")).Score.ShouldBe(0);
        scorer.Score(WithOutflows(100, 100).Profile, new Timeline().Out(100, "stranger")).Score.ShouldBe(0);
        scorer.Score(WithOutflows(100, 100, 100, 100, 100).Profile, new Timeline().Out(100)).Score.ShouldBe(0);
    }

    [Fact]
    public void RoundAmount_FiresOnLargeRoundOutflowsOnly()
    {
        var scorer = Rule.Only("round_amount", 50, ("multiple", 10_000), ("minAmount", 50_000));
        var t = new Timeline();

        scorer.Score(t.Profile, t.Out(500_000)).Score.ShouldBe(50);
        scorer.Score(t.Profile, t.Out(499_999)).Score.ShouldBe(0);
        scorer.Score(t.Profile, t.Out(40_000)).Score.ShouldBe(0);
        scorer.Score(t.Profile, t.In(500_000)).Score.ShouldBe(0);
    }

    [Fact]
    public void DrainAfterDeposit_FiresWhenMostOfARecentDepositLeaves()
    {
        var scorer = Rule.Only("drain_after_deposit", 50, ("windowSeconds", 3600), ("drainRatio", 0.8));
        var t = new Timeline();
        t.Record(t.In(1_000_000)).Advance(TimeSpan.FromMinutes(5)).Record(t.Out(400_000, "a")).Advance(TimeSpan.FromMinutes(1));

        var assessment = scorer.Score(t.Profile, t.Out(450_000, "b"));

        assessment.Score.ShouldBe(50);
        assessment.Reasons.Single().Detail.ShouldContain("has left again");
    }

    [Fact]
    public void DrainAfterDeposit_IsSilentForPartialSpending_OldDeposits_AndSmallDeposits()
    {
        var scorer = Rule.Only("drain_after_deposit", 50, ("windowSeconds", 3600), ("drainRatio", 0.8), ("minDepositAmount", 10_000));
        var t = new Timeline();
        t.Record(t.In(1_000_000)).Advance(TimeSpan.FromMinutes(5));
        scorer.Score(t.Profile, t.Out(400_000)).Score.ShouldBe(0);

        t.Advance(TimeSpan.FromHours(2));
        scorer.Score(t.Profile, t.Out(990_000)).Score.ShouldBe(0);

        var small = new Timeline();
        small.Record(small.In(5_000));
        scorer.Score(small.Profile, small.Out(5_000)).Score.ShouldBe(0);
    }

    [Fact]
    public void UnusualHour_FiresAtAnHourTheAccountNeverUses()
    {
        var scorer = Rule.Only("unusual_hour", 50, ("minHistory", 10), ("maxShare", 0.05));
        var t = new Timeline();
        for (var i = 0; i < 12; i++)
        {
            t.Record(t.Out(100, "shop")).Advance(TimeSpan.FromDays(1));
        }

        scorer.Score(t.Profile, t.At(t.Now.Date.AddHours(3)).Out(100)).Score.ShouldBe(50);
        scorer.Score(t.Profile, t.At(t.Now.Date.AddHours(3)).In(100)).Score.ShouldBe(0);
        scorer.Score(t.Profile, t.At(t.Now.Date.AddHours(10)).Out(100)).Score.ShouldBe(0);
    }

    [Fact]
    public void UnusualHour_IsSilentWithoutEnoughHistory()
    {
        var scorer = Rule.Only("unusual_hour", 50, ("minHistory", 10));
        var t = new Timeline();
        t.Record(t.Out(100));

        scorer.Score(t.Profile, t.At(t.Now.Date.AddHours(3)).Out(100)).Score.ShouldBe(0);
    }

    [Fact]
    public void LargeAmount_FiresAtOrAboveTheThreshold()
    {
        var scorer = Rule.Only("large_amount", 50, ("threshold", 1_000_000));
        var t = new Timeline();

        scorer.Score(t.Profile, t.Out(1_000_000)).Score.ShouldBe(50);
        scorer.Score(t.Profile, t.Out(999_999)).Score.ShouldBe(0);
        scorer.Score(t.Profile, t.In(5_000_000)).Score.ShouldBe(0);
    }
}
