using LedgerX.Fraud.Api;
using LedgerX.Testing;
using Microsoft.Extensions.Configuration;

namespace LedgerX.Fraud.UnitTests.Configuration;

/// <summary>The rules fraud-service ships with (its appsettings.json) pass the validation that runs at start, and the
/// validator refuses what it should.</summary>
public class ShippedConfiguration
{
    private static FraudOptions Bind(params (string Key, string Value)[] overrides)
    {
        var configuration = new ConfigurationBuilder()
            .AddJsonFile(RepositoryRoot.PathOf("services", "Fraud", "LedgerX.Fraud.Api", "appsettings.json"))
            .AddInMemoryCollection(overrides.Select(o => new KeyValuePair<string, string?>(o.Key, o.Value)))
            .Build();
        return configuration.GetSection(FraudOptions.Section).Get<FraudOptions>()!;
    }

    [Fact]
    public void TheShippedRulesAreValid_AndUseEveryRuleType()
    {
        var options = Bind();

        new FraudOptionsValidator().Validate(null, options).Succeeded.ShouldBeTrue();
        options.Rules.Select(r => r.Type).Order().ShouldBe(Domain.Rules.RuleCatalog.Types.Keys.Order());
        options.HighScorePolicy.ShouldBe(HighScorePolicy.None);
    }

    [Fact]
    public void AnUnknownTypeAndABadWeight_AreBothReported()
    {
        var result = new FraudOptionsValidator().Validate(null, Bind(("Fraud:Rules:0:Type", "moon_phase"), ("Fraud:Rules:2:Weight", "-5")));

        result.Failed.ShouldBeTrue();
        result.Failures!.Count().ShouldBe(2);
        result.FailureMessage.ShouldNotBeNull().ShouldContain("unknown rule type 'moon_phase'");
        result.FailureMessage.ShouldContain("weight -5 is outside 0..100");
    }

    [Fact]
    public void APolicyThresholdBelowTheAlertThreshold_IsRefused()
    {
        var result = new FraudOptionsValidator().Validate(null, Bind(("Fraud:AlertThreshold", "70"), ("Fraud:PolicyThreshold", "60")));

        result.FailureMessage.ShouldNotBeNull().ShouldContain("must not be below Fraud:AlertThreshold");
    }
}
