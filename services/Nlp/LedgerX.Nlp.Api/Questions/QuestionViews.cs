using System.Text.Json;
using LedgerX.Nlp.Api.Answering;
using LedgerX.Nlp.Api.Questions.Persistence;
using LedgerX.Nlp.Domain.Answers;
using LedgerX.Nlp.Domain.Questions;

namespace LedgerX.Nlp.Api.Questions;

/// <summary>POST /api/v1/questions. Every field nullable so a missing one is refused by name.</summary>
public sealed record AskQuestion(string? Question, string? TimeZone = null, string? Language = null);

/// <summary>PUT /api/v1/questions/{id}/rating.</summary>
public sealed record RateAnswer(int? Score, string? Comment = null);

public sealed record FigureView(string Name, string Value);
public sealed record CitationView(string Kind, Guid Id);
public sealed record RefusalView(string Code, string Message);
public sealed record ErrorView(string Code, string? Message);
public sealed record RatingView(int Score, string? Comment, DateTimeOffset RatedAt);

/// <summary>The answer as stored (questions.answer_json) and returned: the text, the intent understood, the figures it
/// states and the records it cites, or the refusal.</summary>
public sealed record AnswerView(string Text, string? Intent, IReadOnlyList<FigureView> Figures, IReadOnlyList<CitationView> Citations, RefusalView? Refusal)
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static AnswerView From(Answer answer)
    {
        ArgumentNullException.ThrowIfNull(answer);
        return new AnswerView(answer.Text, answer.Intent?.Name(),
            [.. answer.Figures.Select(f => new FigureView(f.Name, f.Value))],
            [.. answer.Citations.Select(c => new CitationView(c.Kind, c.Id))],
            answer.Refusal is { } r ? new RefusalView(LedgerX.Nlp.Domain.Questions.Refusal.ReasonName(r.Reason), r.Message) : null);
    }

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static AnswerView? FromJson(string? json) => json is null ? null : JsonSerializer.Deserialize<AnswerView>(json, Json);
}

/// <summary>A question as its asker reads it (GET /api/v1/questions/{id}). No token, no worker internals.</summary>
public sealed record QuestionView(
    Guid Id, string Status, string Question, string Language, string TimeZone, DateTimeOffset AskedAt, DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt, int Attempts, AnswerView? Answer, string? Engine, string? TemplateVersion, string? PromptVersion, string? Model,
    string? FallbackReason, ErrorView? Error, RatingView? Rating)
{
    public static QuestionView From(QuestionRow q)
    {
        ArgumentNullException.ThrowIfNull(q);
        return new QuestionView(q.Id, q.Status, q.Text, q.Language, q.TimeZone, q.AskedAt, q.StartedAt, q.FinishedAt, q.Attempts,
            AnswerView.FromJson(q.AnswerJson), q.Engine, q.TemplateVersion, q.PromptVersion, q.Model, q.FallbackReason,
            q.ErrorCode is { } code ? new ErrorView(code, q.ErrorMessage) : null,
            q.RatingScore is { } score ? new RatingView(score, q.RatingComment, q.RatedAt!.Value) : null);
    }
}

public sealed record QuestionPage(IReadOnlyList<QuestionView> Items, string? NextCursor);

/// <summary>A dead-lettered question for operators: who, when, how often, why (the text too: operators requeue it).</summary>
public sealed record DeadLetterView(Guid Id, string UserId, string Question, string Status, int Attempts, DateTimeOffset AskedAt, DateTimeOffset DeadAt, ErrorView? Error)
{
    public static DeadLetterView From(QuestionRow q)
    {
        ArgumentNullException.ThrowIfNull(q);
        return new DeadLetterView(q.Id, q.UserId, q.Text, q.Status, q.Attempts, q.AskedAt, q.DeadAt!.Value,
            q.ErrorCode is { } code ? new ErrorView(code, q.ErrorMessage) : null);
    }
}

public sealed record DeadLetterPage(IReadOnlyList<DeadLetterView> Items);

/// <summary>One rated answer for evaluation: the question, the answer, what produced it, and the asker's verdict.</summary>
public sealed record RatingExport(
    Guid QuestionId, string Question, string Language, string Status, AnswerView? Answer, string? Engine, string? TemplateVersion, string? PromptVersion,
    string? Model, string? FallbackReason, int Score, string? Comment, DateTimeOffset RatedAt)
{
    public static RatingExport From(QuestionRow q)
    {
        ArgumentNullException.ThrowIfNull(q);
        return new RatingExport(q.Id, q.Text, q.Language, q.Status, AnswerView.FromJson(q.AnswerJson), q.Engine, q.TemplateVersion, q.PromptVersion,
            q.Model, q.FallbackReason, q.RatingScore!.Value, q.RatingComment, q.RatedAt!.Value);
    }
}

public sealed record RatingPage(IReadOnlyList<RatingExport> Items, string? NextCursor);

/// <summary>Stable error codes of failed questions (docs/api/nlp.md).</summary>
public static class QuestionErrors
{
    public const string TokenExpired = "token_expired";
    public const string AnswerTimeout = "answer_timeout";
    public const string AnswerFailed = "answer_failed";
    public const string WorkerLost = "worker_lost";
}

/// <summary>Serializes the tool calls an answer made for storage.</summary>
internal static class ToolCallsJson
{
    public static string Of(IReadOnlyList<ToolCallRecord> calls) =>
        JsonSerializer.Serialize(calls.Select(c => new { tool = c.Tool, arguments = c.Arguments }), AnswerView.Json);
}
