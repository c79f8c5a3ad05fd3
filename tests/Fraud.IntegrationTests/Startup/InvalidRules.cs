using LedgerX.Fraud.IntegrationTests.Infrastructure;

namespace LedgerX.Fraud.IntegrationTests.Startup;

/// <summary>Rules are data, so bad data must stop the service at start with a message naming each problem.</summary>
public sealed class InvalidRules
{
    [Fact]
    public async Task AnUnknownRuleTypeAndAnOutOfRangeWeight_StopTheStart_NamingBoth()
    {
        await using var app = new FraudApp(SidecarPorts.Free(), new Dictionary<string, string?>
        {
            ["Fraud:Rules:0:Type"] = "moon_phase",
            ["Fraud:Rules:1:Weight"] = "150",
        });

        var failure = await Should.ThrowAsync<Exception>(() => app.StartAsync());

        var message = failure.ToString();
        message.ShouldContain("unknown rule type 'moon_phase'");
        message.ShouldContain("weight 150 is outside 0..100");
    }

    [Fact]
    public async Task APolicyThresholdBelowTheAlertThreshold_StopsTheStart()
    {
        await using var app = new FraudApp(SidecarPorts.Free(), new Dictionary<string, string?>
        {
            ["Fraud:AlertThreshold"] = "60",
            ["Fraud:PolicyThreshold"] = "40",
        });

        (await Should.ThrowAsync<Exception>(() => app.StartAsync())).ToString().ShouldContain("must not be below Fraud:AlertThreshold");
    }
}
