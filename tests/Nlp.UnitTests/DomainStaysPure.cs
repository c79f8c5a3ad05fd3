using NetArchTest.Rules;

namespace LedgerX.Nlp.UnitTests;

public sealed class DomainStaysPure
{
    [Fact]
    public void DomainReferencesNeitherDaprNorEfCoreNorAspNet()
    {
        var result = Types.InAssembly(typeof(LedgerX.Nlp.Domain.Money).Assembly)
            .ShouldNot().HaveDependencyOnAny("Dapr", "Microsoft.EntityFrameworkCore", "Microsoft.AspNetCore", "System.Net.Http")
            .GetResult();
        result.IsSuccessful.ShouldBeTrue(string.Join(", ", result.FailingTypeNames ?? []));
    }
}
