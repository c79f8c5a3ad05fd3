using LedgerX.Nlp.Domain.Answers;
using LedgerX.Nlp.Domain.Questions;
using LedgerX.Nlp.Domain.Tools;
using Microsoft.Extensions.AI;

namespace LedgerX.Nlp.Domain.Model;

/// <summary>What the model path produced. Answer's figures and citations come from the tool results only; its text is
/// the model's when every number in it is grounded, else the composer's (<see cref="UngroundedNumbers"/> says which
/// numbers failed). Interpretation is the intent and slots of the tool the model called (for the evaluation).</summary>
public sealed record ModelAnswerResult(
    Answer Answer, Interpretation? Interpretation, IReadOnlyList<ToolInvocation> ToolCalls, string PromptVersion,
    bool ModelTextUsed, IReadOnlyList<string> UngroundedNumbers)
{
    public bool Ungrounded => UngroundedNumbers.Count > 0;
}

/// <summary>Answers a question with a chat model that may only choose tools and phrase their results. The model is
/// given the fixed tool set (<see cref="ModelToolbox"/>) through <see cref="FunctionInvokingChatClient"/>; its text is
/// streamed through the guard (<see cref="GroundedStream"/>). A model that reads no data, calls a tool that does not
/// exist, or declines is answered with a refusal, never with its own words about money. A tool that fails ends the
/// question with <see cref="ToolCallFailedException"/>.</summary>
public sealed class ModelAnswerer(IChatClient chat)
{
    /// <summary>Bounds the model's turns: one tool call and one phrasing is the normal case; a correction after a bad
    /// argument is allowed, a loop is not.</summary>
    public const int MaxToolRounds = 4;

    public async Task<ModelAnswerResult> AnswerAsync(Asker asker, string question, string language, NlpTools tools, DateTimeOffset now,
        Func<string, CancellationToken, ValueTask>? onText, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(asker);
        ArgumentNullException.ThrowIfNull(question);
        var toolbox = new ModelToolbox(asker, tools, now);
        var stream = new GroundedStream(() => toolbox.HasData, () => toolbox.AllowedNumbers, onText ?? ((_, _) => ValueTask.CompletedTask));
        using var client = new FunctionInvokingChatClient(chat)
        {
            MaximumIterationsPerRequest = MaxToolRounds,
            TerminateOnUnknownCalls = true,
            AllowConcurrentInvocation = false,
        };
        var options = new ChatOptions { Tools = toolbox.Functions, ToolMode = ChatToolMode.Auto, Temperature = 0 };
        List<ChatMessage> messages =
        [
            new(ChatRole.System, ModelPrompt.For(asker.Zone, now, language)),
            new(ChatRole.User, question),
        ];
        var text = new System.Text.StringBuilder();
        var unknownTool = false;
        await foreach (var update in client.GetStreamingResponseAsync(messages, options, ct))
        {
            foreach (var call in update.Contents.OfType<FunctionCallContent>())
                if (!ModelToolbox.Names.Contains(call.Name)) unknownTool = true;
            if (unknownTool) break;
            var piece = update.Text;
            if (piece.Length == 0) continue;
            text.Append(piece);
            await stream.WriteAsync(piece, ct);
        }
        if (toolbox.Failure is { } failure) throw failure;
        await stream.CompleteAsync(ct);
        return Decide(toolbox, text.ToString(), stream, unknownTool);
    }

    private static ModelAnswerResult Decide(ModelToolbox toolbox, string modelText, GroundedStream stream, bool unknownTool)
    {
        ModelAnswerResult Refused(Interpretation? i, Refusal refusal) =>
            new(Answer.Refused(refusal), i, toolbox.Calls, ModelPrompt.Version, false, []);

        if (unknownTool)
            return Refused(null, new Refusal(RefusalReason.Unsupported, "I can't answer that: the model asked for a tool that does not exist."));
        if (toolbox.Refused is { } refused)
            return Refused(refused.Interpretation, refused.Refusal);
        var results = toolbox.Results;
        if (results.Count == 0)
            return Refused(null, new Refusal(RefusalReason.Unsupported, "I can't answer that: no data of yours was read for this question."));

        var composed = Merge(results.Select(r => r.Answer).ToList());
        var ungrounded = stream.Stopped ? stream.Ungrounded : NumberGuard.Ungrounded(modelText, toolbox.AllowedNumbers);
        var useModel = ungrounded.Count == 0 && !string.IsNullOrWhiteSpace(modelText);
        var answer = useModel ? composed with { Text = modelText.Trim() } : composed;
        return new ModelAnswerResult(answer, results[0].Interpretation, toolbox.Calls, ModelPrompt.Version, useModel, ungrounded);
    }

    /// <summary>One tool result is the usual case; several (a model that called two tools) keep every figure and
    /// citation, the first one's intent, and the composer's texts one after the other.</summary>
    private static Answer Merge(IReadOnlyList<Answer> answers)
    {
        if (answers.Count == 1) return answers[0];
        return answers[0] with
        {
            Text = string.Join(" ", answers.Select(a => a.Text)),
            Figures = answers.SelectMany(a => a.Figures).ToList(),
            Citations = answers.SelectMany(a => a.Citations).Distinct().Take(AnswerComposer.MaxCitations).ToList(),
        };
    }
}
