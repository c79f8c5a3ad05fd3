using LedgerX.Nlp.Api.Answering;
using LedgerX.Nlp.Domain.Tools;
using Microsoft.Extensions.Options;

namespace LedgerX.Nlp.Api.Tools;

/// <summary>One set of tools per question: its reads carry the question's relayed token and are cached for the question
/// only; the calls made are recorded on the tools (<see cref="ToolCalls.Of"/>).</summary>
internal sealed class DaprNlpToolsFactory(DownstreamClient downstream, IOptions<ToolsOptions> options, EntryClassifier classifier) : INlpToolsFactory
{
    public NlpTools For(QuestionContext question)
    {
        ArgumentNullException.ThrowIfNull(question);
        var data = new AskerData(downstream, options.Value, question.Asker.UserId, question.AccessToken);
        return new DaprNlpTools(data, classifier, question.Asker.UserId).AsTools();
    }
}

public static class ToolCalls
{
    /// <summary>The calls made so far on tools built by <see cref="INlpToolsFactory"/> (none for tools that do not record).</summary>
    public static IReadOnlyList<ToolCallRecord> Of(NlpTools tools) => (tools.Analytics as IRecordsToolCalls)?.Calls ?? [];
}
