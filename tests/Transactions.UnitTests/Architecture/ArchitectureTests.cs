using System.Reflection;
using System.Xml.Linq;
using LedgerX.Transactions.Api.Events;
using LedgerX.Transactions.Domain;
using LedgerX.Testing;
using NetArchTest.Rules;

namespace LedgerX.Transactions.UnitTests.Architecture;

/// <summary>The dependency rules of docs/design.md, enforced: a pure domain, and services that never
/// reference each other.</summary>
public class ArchitectureTests
{
    private static readonly Assembly Domain = typeof(Ledger).Assembly;
    private static readonly Assembly Api = typeof(LedgerEventSerializer).Assembly;
    private static readonly string[] InfrastructurePrefixes = ["Dapr", "Microsoft.EntityFrameworkCore", "Npgsql", "Microsoft.AspNetCore"];

    [Fact]
    public void DomainTypesDependOnNoInfrastructure()
    {
        var result = Types.InAssembly(Domain).ShouldNot().HaveDependencyOnAny(InfrastructurePrefixes).GetResult();

        result.IsSuccessful.ShouldBeTrue($"domain types with infrastructure dependencies: {string.Join(", ", result.FailingTypeNames ?? [])}");
    }

    [Fact]
    public void DomainAssemblyReferencesNoInfrastructure() =>
        Domain.GetReferencedAssemblies().Select(a => a.Name!)
            .Where(name => InfrastructurePrefixes.Any(prefix => name.StartsWith(prefix, StringComparison.Ordinal)))
            .ShouldBeEmpty();

    [Fact]
    public void DomainDoesNotDependOnItsHost()
    {
        var result = Types.InAssembly(Domain).ShouldNot().HaveDependencyOn("LedgerX.Transactions.Api").GetResult();

        result.IsSuccessful.ShouldBeTrue();
        Domain.GetReferencedAssemblies().Select(a => a.Name!).ShouldAllBe(name => !name.StartsWith("LedgerX.", StringComparison.Ordinal));
    }

    [Fact]
    public void TheRuleDetectsInfrastructureWhereItIsUsed()
    {
        // Guards the rule itself: the API host does use ASP.NET Core, so the same check must fail on it.
        Types.InAssembly(Api).ShouldNot().HaveDependencyOnAny(InfrastructurePrefixes).GetResult().IsSuccessful.ShouldBeFalse();
    }

    [Fact]
    public void ApiReferencesNoOtherServicesApi()
    {
        var otherApis = Api.GetReferencedAssemblies().Select(a => a.Name!)
            .Where(name => name.StartsWith("LedgerX.", StringComparison.Ordinal) && name.EndsWith(".Api", StringComparison.Ordinal))
            .Where(name => name != Api.GetName().Name);

        otherApis.ShouldBeEmpty();
    }

    [Fact]
    public void ApiTypesDependOnNoOtherService()
    {
        var others = Directory.GetDirectories(RepositoryRoot.PathOf("services"))
            .Select(Path.GetFileName)
            .Where(name => name is not ("Shared" or "Transactions"))
            .Select(name => $"LedgerX.{name}.")
            .ToArray();

        if (others.Length > 0)
        {
            Types.InAssembly(Api).ShouldNot().HaveDependencyOnAny(others).GetResult().IsSuccessful.ShouldBeTrue();
        }
        // Guards the rule itself: a dependency on another LedgerX assembly's namespace is detected (the domain's here).
        Types.InAssembly(Api).ShouldNot().HaveDependencyOn("LedgerX.Transactions.Domain").GetResult().IsSuccessful.ShouldBeFalse();
    }

    [Fact]
    public void ServiceProjectsOnlyReferenceTheirOwnServiceOrShared()
    {
        var services = RepositoryRoot.PathOf("services");
        var violations = new List<string>();
        foreach (var project in Directory.GetFiles(services, "*.csproj", SearchOption.AllDirectories))
        {
            var owner = Path.GetRelativePath(services, project).Split(Path.DirectorySeparatorChar)[0];
            foreach (var reference in XDocument.Load(project).Descendants("ProjectReference").Select(r => (string)r.Attribute("Include")!))
            {
                var target = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(project)!, reference.Replace('\\', Path.DirectorySeparatorChar)));
                var targetService = Path.GetRelativePath(services, target).Split(Path.DirectorySeparatorChar)[0];
                if (targetService != owner && targetService != "Shared")
                {
                    violations.Add($"{Path.GetRelativePath(services, project)} -> {reference}");
                }
            }
        }

        violations.ShouldBeEmpty();
    }
}
