using LedgerX.Nlp.Api.Answering.Model;

namespace LedgerX.Nlp.IntegrationTests.Model;

/// <summary>Every setting of the model path is in docs/configuration.md with the default the code has.</summary>
public sealed class ModelSettingsAreDocumented
{
    [Fact]
    public void TheModelOptions() => ConfigurationDocs.AssertDocumented(typeof(ModelOptions), ModelOptions.Section);
}
