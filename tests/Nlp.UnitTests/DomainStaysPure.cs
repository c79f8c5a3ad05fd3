using NetArchTest.Rules;

namespace LedgerX.Nlp.UnitTests;

public sealed class DomainStaysPure
{
    /// <summary>Microsoft.Extensions.AI is allowed (IChatClient, AIFunction, FunctionInvokingChatClient: the model
    /// answerer shared with `ledgerx nlp-eval`), its HTTP client package is not: the OpenAI client lives in the service.</summary>
    [Fact]
    public void DomainReferencesNeitherDaprNorEfCoreNorAspNet()
    {
        var result = Types.InAssembly(typeof(LedgerX.Nlp.Domain.Money).Assembly)
            .ShouldNot().HaveDependencyOnAny("Dapr", "Microsoft.EntityFrameworkCore", "Microsoft.AspNetCore", "System.Net.Http",
                "Microsoft.Extensions.AI.OpenAI", "OpenAI", "System.ClientModel", "Microsoft.Extensions.Http")
            .GetResult();
        result.IsSuccessful.ShouldBeTrue(string.Join(", ", result.FailingTypeNames ?? []));
    }

    [Fact]
    public void OnlyTheModelFolderTalksToChatModels()
    {
        var result = Types.InAssembly(typeof(LedgerX.Nlp.Domain.Money).Assembly)
            .That().DoNotResideInNamespace("LedgerX.Nlp.Domain.Model")
            .ShouldNot().HaveDependencyOn("Microsoft.Extensions.AI")
            .GetResult();
        result.IsSuccessful.ShouldBeTrue(string.Join(", ", result.FailingTypeNames ?? []));
    }
}
