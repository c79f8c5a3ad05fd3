using LedgerX.Nlp.Domain.Answers;
using LedgerX.Nlp.Domain.Categorization;
using LedgerX.Nlp.Domain.Evaluation;
using LedgerX.Nlp.Domain.Interpreting;
using LedgerX.Nlp.Domain.Model;
using LedgerX.Nlp.Domain.Questions;
using Microsoft.Extensions.AI;

namespace LedgerX.Cli.NlpEval;

/// <summary>One engine's run over the evaluation set.</summary>
internal sealed record EngineRun(string Engine, string? Model, string? PromptVersion, EvalReport Report, int Errors);

/// <summary>Runs the committed evaluation set through <see cref="Evaluator"/> over <see cref="ReferenceTools"/>: always
/// with the embedded interpreter, and with the model answerer when a chat client is given.</summary>
internal static class NlpEvalRunner
{
    public const string Interpreter = "interpreter";
    public const string ModelEngine = "model";

    public static async Task<IReadOnlyList<EngineRun>> RunAsync(EvalSet set, IChatClient? model, string? modelName, CancellationToken ct)
    {
        var tools = new ReferenceTools(SyntheticDataset.Generate(set.Seed)).AsTools();
        var runs = new List<EngineRun>
        {
            new(Interpreter, null, null, await Evaluator.RunAsync(set, new QuestionInterpreter(), tools, ct), 0),
        };
        if (model is null) return runs;

        var answerer = new ModelAnswerer(model);
        var errors = 0;
        var report = await Evaluator.RunAsync(set, async (c, asker, now, token) =>
        {
            try
            {
                var result = await answerer.AnswerAsync(asker, c.Question, "en", tools, now, null, token);
                return new EvaluatedAnswer(result.Interpretation, result.Answer);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !token.IsCancellationRequested)
            {
                // A model error is this question's miss, not the run's end: the report counts them.
                errors++;
                return new EvaluatedAnswer(null, Answer.Refused(new Refusal(RefusalReason.Unsupported, "model error: " + ex.Message)));
            }
        }, ct);
        runs.Add(new EngineRun(ModelEngine, modelName, ModelPrompt.Version, report, errors));
        return runs;
    }

    /// <summary>The categorizer the tools use, trained as nlp-service trains it, scored on the labelled lines it never saw.</summary>
    public static CategorizerAccuracy MeasureCategorizer()
    {
        var labelled = LabelledDescriptions.Generate();
        return TransactionCategorizer.Train(labelled).Measure(labelled);
    }
}
