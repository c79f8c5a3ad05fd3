using LedgerX.Nlp.Domain.Questions;

namespace LedgerX.Nlp.Domain.Answers;

/// <summary>A figure the answer states, named so an evaluator (or a client) can compare it without reading prose.
/// Value is the tool's figure, formatted (money as "1,234.56 EUR", counts as digits).</summary>
public sealed record Figure(string Name, string Value);

/// <summary>A record the answer used: kind is entry, account, flag or reversal.</summary>
public sealed record Citation(string Kind, Guid Id);

/// <summary>An answer: text, the figures and citations it rests on, and the template version that phrased it. A refused
/// question is an answer too, with no figures and the refusal.</summary>
public sealed record Answer(
    Intent? Intent, string Text, IReadOnlyList<Figure> Figures, IReadOnlyList<Citation> Citations, string TemplateVersion, Refusal? Refusal)
{
    public bool IsRefusal => Refusal is not null;

    public static Answer Refused(Refusal refusal) => new(null, refusal.Message, [], [], AnswerComposer.TemplateVersion, refusal);
}

public static class CitationKinds
{
    public const string Entry = "entry";
    public const string Account = "account";
    public const string Flag = "flag";
    public const string Reversal = "reversal";
}
