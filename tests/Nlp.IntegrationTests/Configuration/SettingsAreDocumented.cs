using LedgerX.Nlp.Api.Questions;

namespace LedgerX.Nlp.IntegrationTests.Configuration;

/// <summary>Every nlp-service setting has a row in docs/configuration.md showing the code's default.</summary>
public sealed class SettingsAreDocumented
{
    [Fact]
    public void TheNlpOptions() => ConfigurationDocs.AssertDocumented(typeof(NlpOptions), NlpOptions.Section);
}
