using System.Reflection;
using LedgerX.Fraud.Domain.Scoring;
using NetArchTest.Rules;

namespace LedgerX.Fraud.UnitTests.Architecture;

/// <summary>The fraud domain stays pure (docs/design.md): no Dapr, EF Core, Npgsql or ASP.NET, no other LedgerX assembly;
/// the host references no other service.</summary>
public class ArchitectureTests
{
    private static readonly Assembly Domain = typeof(RiskScorer).Assembly;
    private static readonly string[] InfrastructurePrefixes = ["Dapr", "Microsoft.EntityFrameworkCore", "Npgsql", "Microsoft.AspNetCore"];

    [Fact]
    public void DomainTypesDependOnNoInfrastructure()
    {
        var result = Types.InAssembly(Domain).ShouldNot().HaveDependencyOnAny(InfrastructurePrefixes).GetResult();

        result.IsSuccessful.ShouldBeTrue($"domain types with infrastructure dependencies: {string.Join(", ", result.FailingTypeNames ?? [])}");
    }

    [Fact]
    public void TheHostReferencesNoOtherService() =>
        typeof(LedgerX.Fraud.Api.FraudOptions).Assembly.GetReferencedAssemblies().Select(a => a.Name!)
            .Where(name => name.StartsWith("LedgerX.", StringComparison.Ordinal))
            .Order().ShouldBe(["LedgerX.Fraud.Domain", "LedgerX.ServiceDefaults"]);

    [Fact]
    public void DomainReferencesNoOtherLedgerXAssembly() =>
        Domain.GetReferencedAssemblies().Select(a => a.Name!).ShouldAllBe(name => !name.StartsWith("LedgerX.", StringComparison.Ordinal));
}
