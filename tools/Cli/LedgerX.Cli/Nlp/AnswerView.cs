using LedgerX.Cli.Common;
using Spectre.Console;

namespace LedgerX.Cli.Nlp;

/// <summary>Prints a question's outcome for a person (the text unless it was already streamed, then the figures and the
/// cited records the answer rests on, and what answered it) and maps it to the exit code scripts act on.</summary>
internal static class AnswerView
{
    /// <summary>Every citation is printed up to this many; the rest are counted (an answer may cite up to 200 entries).</summary>
    public const int MaxCitationsShown = 20;

    /// <summary>0 for an answer; 1 for a question that got none (refused, failed, cancelled, expired, still open).</summary>
    public static int ExitCodeOf(QuestionDocument question) => question.Status == QuestionDocument.Answered ? ExitCodes.Ok : ExitCodes.Discrepancy;

    /// <param name="textShown">The answer's text was already printed piece by piece from the live feed.</param>
    public static int Render(IAnsiConsole console, QuestionDocument question, bool textShown)
    {
        switch (question.Status)
        {
            case QuestionDocument.Answered:
                if (!textShown)
                {
                    console.WriteLine(question.Answer?.Text ?? "");
                }
                Figures(console, question.Answer);
                Citations(console, question.Answer);
                Footer(console, question);
                return ExitCodes.Ok;

            case QuestionDocument.Refused:
                var refusal = question.Answer?.Refusal;
                if (!textShown)
                {
                    console.WriteLine(question.Answer?.Text is { Length: > 0 } text ? text : refusal?.Message ?? "I can't answer that.");
                }
                console.MarkupLine($"[yellow]not answered[/] ({Markup.Escape(refusal?.Code ?? "refused")}): no figure was guessed");
                Footer(console, question);
                return ExitCodes.Discrepancy;

            case QuestionDocument.Failed:
                console.MarkupLine($"[red]failed[/] {Markup.Escape(question.Error?.Code ?? "")}: {Markup.Escape(question.Error?.Message ?? "the question could not be answered")}");
                Footer(console, question);
                return ExitCodes.Discrepancy;

            case QuestionDocument.Cancelled or QuestionDocument.Expired:
                console.MarkupLine($"[yellow]{Markup.Escape(question.Status)}[/]: the question was not answered");
                Footer(console, question);
                return ExitCodes.Discrepancy;

            default:
                console.MarkupLine($"[yellow]still {Markup.Escape(question.Status)}[/]: read it later with `ledgerx ask --show {question.Id}`");
                return ExitCodes.Discrepancy;
        }
    }

    private static void Figures(IAnsiConsole console, AnswerDocument? answer)
    {
        if (answer is null || answer.Figures.Count == 0)
        {
            return;
        }
        console.MarkupLine("[bold]figures[/]");
        var width = answer.Figures.Max(f => f.Name.Length);
        foreach (var (name, value) in answer.Figures)
        {
            console.MarkupLine($"  {Markup.Escape(name.PadRight(width))}  {Markup.Escape(value)}");
        }
    }

    private static void Citations(IAnsiConsole console, AnswerDocument? answer)
    {
        if (answer is null || answer.Citations.Count == 0)
        {
            return;
        }
        console.MarkupLine($"[bold]based on[/] {answer.Citations.Count} {(answer.Citations.Count == 1 ? "record" : "records")}");
        var width = answer.Citations.Max(c => c.Kind.Length);
        foreach (var (kind, id) in answer.Citations.Take(MaxCitationsShown))
        {
            console.MarkupLine($"  {Markup.Escape(kind.PadRight(width))}  {Markup.Escape(id)}");
        }
        if (answer.Citations.Count > MaxCitationsShown)
        {
            console.MarkupLine($"  [grey]… and {answer.Citations.Count - MaxCitationsShown} more (--json lists them all)[/]");
        }
    }

    private static void Footer(IAnsiConsole console, QuestionDocument question)
    {
        var engine = question.Engine switch
        {
            null => "",
            "model" => $"answered by the model {question.Model} (prompt {question.PromptVersion}, template {question.TemplateVersion})",
            _ when question.FallbackReason is { } reason => $"answered by the {question.Engine} after the model fell back ({reason}), template {question.TemplateVersion}",
            _ => $"answered by the {question.Engine}, template {question.TemplateVersion}",
        };
        var rate = question.Status is QuestionDocument.Answered or QuestionDocument.Refused
            ? question.Rating is { } score ? $"; rated {score}/5" : $"; rate it: ledgerx ask --rate {question.Id} 1-5"
            : "";
        console.MarkupLine($"[grey]{Markup.Escape($"question {question.Id}{(engine.Length > 0 ? "; " + engine : "")}{rate}")}[/]");
    }
}
