using LedgerX.Gateway.Api;
using LedgerX.Gateway.Api.OpenApi;
using LedgerX.Gateway.Api.RateLimiting;
using LedgerX.Gateway.Api.Routing;
using LedgerX.Gateway.Api.Security;
using LedgerX.Gateway.Api.Versioning;
using LedgerX.Testing;

namespace LedgerX.Gateway.UnitTests;

/// <summary>Every setting of the gateway is in docs/configuration.md with the default the code has.</summary>
public sealed class SettingsAreDocumented
{
    [Fact]
    public void TheGatewayOptions() => ConfigurationDocs.AssertDocumented(typeof(GatewayOptions), GatewayOptions.Section);

    [Fact]
    public void TheCircuitBreaker() => ConfigurationDocs.AssertDocumented(typeof(CircuitBreakerOptions), CircuitBreakerOptions.Section);

    [Fact]
    public void TheRequestLimits() => ConfigurationDocs.AssertDocumented(typeof(RequestLimitsOptions), RequestLimitsOptions.Section);

    [Fact]
    public void TheCors() => ConfigurationDocs.AssertDocumented(typeof(GatewayCorsOptions), GatewayCorsOptions.Section);

    [Fact]
    public void TheVersioning() => ConfigurationDocs.AssertDocumented(typeof(VersioningOptions), VersioningOptions.Section);

    [Fact]
    public void TheMergedOpenApi() => ConfigurationDocs.AssertDocumented(typeof(MergedOpenApiOptions), MergedOpenApiOptions.Section);

    [Fact]
    public void TheRateLimitSwitch() => ConfigurationDocs.AssertDocumented(typeof(EnabledOnly), RateLimitOptions.Section);

    /// <summary>Each budget's defaults differ, so each row is checked against its own budget's.</summary>
    [Theory]
    [InlineData(nameof(RateLimitOptions.Writes))]
    [InlineData(nameof(RateLimitOptions.Reads))]
    [InlineData(nameof(RateLimitOptions.SignIn))]
    [InlineData(nameof(RateLimitOptions.Nlp))]
    public void EachRateLimitBudget(string budget)
    {
        var defaults = (TokenBucketBudget)typeof(RateLimitOptions).GetProperty(budget)!.GetValue(new RateLimitOptions())!;
        foreach (var (name, value) in new[]
        {
            (nameof(TokenBucketBudget.TokenLimit), defaults.TokenLimit),
            (nameof(TokenBucketBudget.TokensPerPeriod), defaults.TokensPerPeriod),
            (nameof(TokenBucketBudget.ReplenishmentPeriodSeconds), defaults.ReplenishmentPeriodSeconds),
        })
        {
            var key = $"`{RateLimitOptions.Section}:{budget}:{name}`";
            var row = File.ReadAllLines(RepositoryRoot.PathOf("docs", "configuration.md")).FirstOrDefault(l => l.StartsWith('|') && l.Contains(key, StringComparison.Ordinal));
            row.ShouldNotBeNull($"{key} has no row in docs/configuration.md");
            row.Split('|')[2].Trim().ShouldStartWith(value.ToString(System.Globalization.CultureInfo.InvariantCulture), customMessage: key);
        }
    }

    /// <summary>The one scalar of <see cref="RateLimitOptions"/>, alone (its budgets are objects, checked above).</summary>
    private sealed class EnabledOnly
    {
        public bool Enabled { get; set; } = new RateLimitOptions().Enabled;
    }
}
