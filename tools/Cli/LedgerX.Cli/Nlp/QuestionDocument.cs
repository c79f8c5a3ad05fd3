using System.Text.Json;

namespace LedgerX.Cli.Nlp;

/// <summary>
/// A question as <c>GET /api/v1/questions/{id}</c> returns it (docs/api/nlp.md), read tolerantly: fields the CLI does
/// not know are ignored, missing optional ones are null, so a newer service never breaks an older CLI.
/// </summary>
internal sealed record QuestionDocument(
    Guid Id,
    string Status,
    string? Question,
    AnswerDocument? Answer,
    string? Engine,
    string? TemplateVersion,
    string? PromptVersion,
    string? Model,
    string? FallbackReason,
    ErrorDocument? Error,
    int? Rating)
{
    public const string Queued = "queued";
    public const string Answering = "answering";
    public const string Answered = "answered";
    public const string Refused = "refused";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";
    public const string Expired = "expired";

    /// <summary>No further change will come: answered, refused, failed, cancelled or expired.</summary>
    public bool IsFinal => Status is Answered or Refused or Failed or Cancelled or Expired;

    public static QuestionDocument Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("id", out var id) || !id.TryGetGuid(out var questionId))
        {
            throw new JsonException("the question has no id");
        }
        return new QuestionDocument(
            questionId,
            Text(root, "status") ?? "unknown",
            Text(root, "question"),
            root.TryGetProperty("answer", out var answer) && answer.ValueKind == JsonValueKind.Object ? AnswerDocument.Parse(answer) : null,
            Text(root, "engine"),
            Text(root, "templateVersion"),
            Text(root, "promptVersion"),
            Text(root, "model"),
            Text(root, "fallbackReason"),
            root.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object ? ErrorDocument.Parse(error) : null,
            ReadRating(root));
    }

    private static int? ReadRating(JsonElement root)
    {
        if (!root.TryGetProperty("rating", out var rating))
        {
            return null;
        }
        if (rating.ValueKind == JsonValueKind.Number && rating.TryGetInt32(out var plain))
        {
            return plain;
        }
        return rating.ValueKind == JsonValueKind.Object && rating.TryGetProperty("score", out var score) && score.TryGetInt32(out var s) ? s : null;
    }

    internal static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}

/// <summary>The answer: text, intent, named figures, cited records, and the refusal when the question was refused.</summary>
internal sealed record AnswerDocument(
    string Text, string? Intent, IReadOnlyList<(string Name, string Value)> Figures, IReadOnlyList<(string Kind, string Id)> Citations, ErrorDocument? Refusal)
{
    public static AnswerDocument Parse(JsonElement answer)
    {
        var figures = new List<(string, string)>();
        if (answer.TryGetProperty("figures", out var f) && f.ValueKind == JsonValueKind.Array)
        {
            figures.AddRange(f.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.Object)
                .Select(x => (QuestionDocument.Text(x, "name") ?? "", QuestionDocument.Text(x, "value") ?? "")));
        }
        var citations = new List<(string, string)>();
        if (answer.TryGetProperty("citations", out var c) && c.ValueKind == JsonValueKind.Array)
        {
            citations.AddRange(c.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.Object)
                .Select(x => (QuestionDocument.Text(x, "kind") ?? "", x.TryGetProperty("id", out var id) ? id.ToString() : "")));
        }
        var refusal = answer.TryGetProperty("refusal", out var r) && r.ValueKind == JsonValueKind.Object ? ErrorDocument.Parse(r) : null;
        return new AnswerDocument(QuestionDocument.Text(answer, "text") ?? "", QuestionDocument.Text(answer, "intent"), figures, citations, refusal);
    }
}

/// <summary>A <c>{code, message}</c> pair: a refusal, or why a question failed.</summary>
internal sealed record ErrorDocument(string? Code, string? Message)
{
    public static ErrorDocument Parse(JsonElement element) => new(QuestionDocument.Text(element, "code"), QuestionDocument.Text(element, "message"));
}
