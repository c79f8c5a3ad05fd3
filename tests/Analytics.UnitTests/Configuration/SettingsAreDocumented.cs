using LedgerX.Analytics.Api;
using LedgerX.Testing;

namespace LedgerX.Analytics.UnitTests.Configuration;

/// <summary>Every setting of analytics-service is in docs/configuration.md with the default the code has.</summary>
public sealed class SettingsAreDocumented
{
    [Fact]
    public void TheAnalyticsOptions() => ConfigurationDocs.AssertDocumented(typeof(AnalyticsOptions), AnalyticsOptions.Section);
}
