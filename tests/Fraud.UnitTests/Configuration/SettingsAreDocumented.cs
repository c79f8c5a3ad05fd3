using LedgerX.Fraud.Api;
using LedgerX.Testing;

namespace LedgerX.Fraud.UnitTests.Configuration;

/// <summary>Every setting of fraud-service is in docs/configuration.md with the default the code has (the freeze
/// policy's default `none` included: a reader must not believe a default run freezes accounts).</summary>
public sealed class SettingsAreDocumented
{
    [Fact]
    public void TheFraudOptions() => ConfigurationDocs.AssertDocumented(typeof(FraudOptions), FraudOptions.Section);

    [Fact]
    public void TheDispatchOptions() => ConfigurationDocs.AssertDocumented(typeof(DispatchOptions), DispatchOptions.Section);

    [Fact]
    public void TheServiceTokenOptions() =>
        ConfigurationDocs.AssertDocumented(typeof(LedgerX.Fraud.Api.ServiceIdentity.ServiceTokenOptions), LedgerX.Fraud.Api.ServiceIdentity.ServiceTokenOptions.Section);
}
