using LedgerX.Auth.Api;
using LedgerX.Auth.Api.Audit;
using LedgerX.Auth.Api.Seeding;
using LedgerX.Testing;

namespace LedgerX.Auth.UnitTests;

/// <summary>Every setting of auth-service is in docs/configuration.md with the default the code has.</summary>
public sealed class SettingsAreDocumented
{
    [Fact]
    public void TheAuthOptions() => ConfigurationDocs.AssertDocumented(typeof(AuthOptions), AuthOptions.Section);

    [Fact]
    public void TheOutboxOptions() => ConfigurationDocs.AssertDocumented(typeof(OutboxOptions), OutboxOptions.Section);

    [Fact]
    public void TheSeedOptions() => ConfigurationDocs.AssertDocumented(typeof(SeedOptions), SeedOptions.Section);
}
