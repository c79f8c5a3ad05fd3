using System.Text.Json;
using System.Text.Json.Serialization;
using LedgerX.Nlp.Domain.Answers;
using LedgerX.Nlp.Domain.Questions;

namespace LedgerX.Nlp.Domain.Evaluation;

public sealed record ExpectedPeriod(DateTimeOffset Start, DateTimeOffset End);

/// <summary>What a question should produce. A refusal the interpreter must make has Refusal set and Intent null; a
/// refusal the tools make (a foreign account or record) has both: the question was understood, the data is not the
/// asker's. Otherwise the interpretation and the exact figures and citations of the answer.</summary>
public sealed record ExpectedAnswer(
    string? Refusal,
    string? Intent,
    ExpectedPeriod? Period = null,
    string? Category = null,
    string? Counterparty = null,
    AmountThreshold? MinAmount = null,
    AccountReference? Account = null,
    int? Count = null,
    Guid? RecordId = null,
    IReadOnlyList<Figure>? Figures = null,
    IReadOnlyList<Citation>? Citations = null);

public sealed record EvalCase(string Id, string UserId, string Question, ExpectedAnswer Expected);

/// <summary>The committed evaluation set: the dataset it is about (by generator seed and "now") and the cases.</summary>
public sealed record EvalSet(int Seed, DateTimeOffset Now, string Zone, string TemplateVersion, IReadOnlyList<EvalCase> Cases)
{
    public static JsonSerializerOptions JsonOptions { get; } = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions) + "\n";

    public static EvalSet Parse(string json) =>
        JsonSerializer.Deserialize<EvalSet>(json, JsonOptions) ?? throw new InvalidDataException("The evaluation set is empty.");
}
