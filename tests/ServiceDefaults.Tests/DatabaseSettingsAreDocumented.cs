using LedgerX.ServiceDefaults.Data;
using LedgerX.Testing;

namespace LedgerX.ServiceDefaults.Tests;

public sealed class DatabaseSettingsAreDocumented
{
    [Fact]
    public void TheDatabaseOptions() => ConfigurationDocs.AssertDocumented(typeof(DatabaseOptions), DatabaseOptions.Section);

    [Fact]
    public void TheBreakerOptions() => ConfigurationDocs.AssertDocumented(typeof(DatabaseBreakerOptions), DatabaseBreakerOptions.Section);
}
