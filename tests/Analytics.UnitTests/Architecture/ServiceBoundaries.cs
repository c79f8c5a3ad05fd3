namespace LedgerX.Analytics.UnitTests.Architecture;

/// <summary>analytics-service knows other services only by their events and HTTP APIs, never by their assemblies.</summary>
public sealed class ServiceBoundaries
{
    [Fact]
    public void TheService_ReferencesNoOtherServicesAssembly()
    {
        var references = typeof(Program).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();

        references.ShouldNotContain(name => name.StartsWith("LedgerX.", StringComparison.Ordinal)
                                            && name != "LedgerX.ServiceDefaults" && name != "LedgerX.Analytics.Api");
        references.ShouldContain("LedgerX.ServiceDefaults");
    }
}
