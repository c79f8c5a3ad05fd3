using LedgerX.Testing;
using LedgerX.Transactions.Api;
using LedgerX.Transactions.Api.Reversals;

namespace LedgerX.Transactions.UnitTests.Options;

/// <summary>Every setting of transaction-service is in docs/configuration.md with the default the code has.</summary>
public sealed class SettingsAreDocumented
{
    [Fact]
    public void TheLedgerOptions() => ConfigurationDocs.AssertDocumented(typeof(LedgerOptions), LedgerOptions.Section);

    [Fact]
    public void TheOutboxOptions() => ConfigurationDocs.AssertDocumented(typeof(OutboxOptions), OutboxOptions.Section);

    [Fact]
    public void TheReversalOptions() => ConfigurationDocs.AssertDocumented(typeof(ReversalOptions), ReversalOptions.Section);
}
