using LedgerX.ServiceDefaults.Secrets;
using LedgerX.Testing;

namespace LedgerX.ServiceDefaults.Tests;

public sealed class SecretStoreSettingsAreDocumented
{
    [Fact]
    public void TheSecretStoreOptions() => ConfigurationDocs.AssertDocumented(typeof(SecretStoreOptions), SecretStoreOptions.Section);
}
