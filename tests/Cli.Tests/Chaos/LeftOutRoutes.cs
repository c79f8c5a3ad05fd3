using LedgerX.Cli.Chaos;
using LedgerX.Cli.Chaos.Load;

namespace LedgerX.Cli.Tests.Chaos;

/// <summary>A route that did not answer 2xx throughout the steady phase says nothing about a fault: it is left out of the
/// verdicts, and the report says which and what it answered instead.</summary>
public sealed class LeftOutRoutes
{
    [Fact]
    public void Routes_that_failed_before_the_fault_are_left_out_with_what_they_answered()
    {
        RequestSample[] steady =
        [
            new(0, "alerts", 200, 5), new(10, "alerts", 200, 5),
            new(0, "risk-profile", 404, 5), new(10, "risk-profile", 404, 5), new(20, "risk-profile", 200, 5),
            new(0, "questions", 0, 10_000),
        ];

        var usable = ChaosRunner.UsableRoutes(steady);

        Assert.Equal(new[] { "alerts" }, usable);
        Assert.Equal(new[] { "questions (1× no answer)", "risk-profile (1× 200, 2× 404)" }, ChaosRunner.LeftOut(steady, usable));
    }

    [Fact]
    public void Nothing_is_left_out_when_every_route_answered()
    {
        RequestSample[] steady = [new(0, "alerts", 200, 5), new(0, "reversal", 202, 30)];

        Assert.Empty(ChaosRunner.LeftOut(steady, ChaosRunner.UsableRoutes(steady)));
    }
}
