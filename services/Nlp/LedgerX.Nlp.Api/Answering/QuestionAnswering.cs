using LedgerX.Nlp.Domain.Answers;
using LedgerX.Nlp.Domain.Tools;

namespace LedgerX.Nlp.Api.Answering;

// The seam between the queue (Questions/: who asks, when, retries, storage) and what answers (the interpreter over the
// tools, or a model falling back to it). The worker knows only these types; the answerers know nothing of the queue.

/// A question being answered: who asks (from the token, never the body), what, and the asker's own bearer token,
/// relayed to the services the tools call so their object checks apply to the asker (token relay).
public sealed record QuestionContext(Guid QuestionId, Asker Asker, string Text, string Language, string AccessToken,
    DateTimeOffset AskedAt);

/// Pieces of the answer's text as they are produced (a model's tokens, or the composed text in chunks).
public interface IAnswerStream { ValueTask WriteAsync(string text, CancellationToken ct); }

/// What answered: engine "interpreter" or "model", the template version (Answer.TemplateVersion), the prompt version
/// and model name when a model phrased it, why a model answer fell back (null otherwise), and the tool calls made.
public sealed record AnswerOutcome(Answer Answer, string Engine, string? PromptVersion, string? Model,
    string? FallbackReason, IReadOnlyList<ToolCallRecord> ToolCalls);

public sealed record ToolCallRecord(string Tool, string Arguments /* JSON */);

public interface IQuestionAnswerer
{ Task<AnswerOutcome> AnswerAsync(QuestionContext question, IAnswerStream stream, CancellationToken ct); }

/// Builds the tools for one question: every call carries the question's AccessToken.
public interface INlpToolsFactory { NlpTools For(QuestionContext question); }

/// <summary>The engines an <see cref="AnswerOutcome"/> names.</summary>
public static class Engines
{
    public const string Interpreter = "interpreter";
    public const string Model = "model";
}
