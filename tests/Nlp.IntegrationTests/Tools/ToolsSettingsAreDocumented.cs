using LedgerX.Nlp.Api.Tools;

namespace LedgerX.Nlp.IntegrationTests.Tools;

public sealed class ToolsSettingsAreDocumented
{
    [Fact]
    public void TheToolsOptions() => ConfigurationDocs.AssertDocumented(typeof(ToolsOptions), ToolsOptions.Section);
}
