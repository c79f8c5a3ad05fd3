using LedgerX.Nlp.Api.Tools;
using LedgerX.Nlp.Domain.Answers;
using LedgerX.Nlp.Domain.Interpreting;
using LedgerX.Nlp.Domain.Questions;

namespace LedgerX.Nlp.Api.Answering;

/// <summary>
/// The embedded answerer, no model needed: the deterministic interpreter reads the question, the planner calls the
/// tools it needs (over the asker's own data, with the asker's token), the composer phrases the result, and the text is
/// streamed in word chunks. A tool the token may not use makes the answer a <c>forbidden</c> refusal and a question
/// reaching too far back an explicit refusal; an unavailable service or an expired token is the worker's to handle
/// (<see cref="ToolUnavailableException"/>: retry; <see cref="ToolTokenExpiredException"/>: fail), so they pass through.
/// </summary>
public sealed class InterpreterAnswerer(IQuestionInterpreter interpreter, INlpToolsFactory tools) : IQuestionAnswerer
{
    /// <summary>Words per streamed piece: a live item each, so a few words at a time rather than one per word.</summary>
    public const int WordsPerChunk = 4;

    public async Task<AnswerOutcome> AnswerAsync(QuestionContext question, IAnswerStream stream, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(question);
        ArgumentNullException.ThrowIfNull(stream);
        // Periods ("last month") are read relative to when the question was asked, so a retried answer reads the same.
        var interpreted = interpreter.Interpret(question.Text, question.Asker.Zone, question.AskedAt);
        var toolSet = tools.For(question);
        Answer answer;
        if (interpreted.Interpretation is not { } interpretation)
        {
            answer = Answer.Refused(interpreted.Refusal ?? throw new InvalidOperationException("An interpretation result has neither reading nor refusal."));
        }
        else
        {
            try
            {
                answer = await AnswerPlanner.AnswerAsync(question.Asker, interpretation, toolSet, ct);
            }
            catch (ToolAccessDeniedException)
            {
                answer = Answer.Refused(new Refusal(RefusalReason.Forbidden,
                    "I can't answer that: your sign-in does not allow reading the data this question needs."));
            }
            catch (ToolLimitExceededException e)
            {
                answer = Answer.Refused(new Refusal(RefusalReason.Unsupported, "I can't answer that: " + e.Message));
            }
        }
        foreach (var piece in Chunks(answer.Text))
        {
            await stream.WriteAsync(piece, ct);
        }
        return new AnswerOutcome(answer, Engines.Interpreter, PromptVersion: null, Model: null, FallbackReason: null, ToolCalls.Of(toolSet));
    }

    /// <summary>The text in pieces of <see cref="WordsPerChunk"/> words, each with the space after it, so the pieces
    /// joined are the text exactly.</summary>
    public static IEnumerable<string> Chunks(string text)
    {
        var start = 0;
        var words = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] != ' ' || (i + 1 < text.Length && text[i + 1] == ' ')) continue;
            if (++words < WordsPerChunk) continue;
            yield return text[start..(i + 1)];
            start = i + 1;
            words = 0;
        }
        if (start < text.Length) yield return text[start..];
    }
}
