using System.Globalization;
using System.Text.Json;
using LedgerX.Nlp.Domain.Evaluation;
using Spectre.Console;

namespace LedgerX.Cli.NlpEval;

/// <summary>The report: per engine the headline figures, a per-intent table and the slowest questions; the same as
/// JSON for CI and docs/benchmarks.md.</summary>
internal static class NlpEvalView
{
    public sealed record IntentRow(string Intent, int Cases, int Exact, int RefusalsCorrect);
    public sealed record Slow(string Id, double Milliseconds, string Question);
    public sealed record Miss(string Id, string Question, string Difference);
    public sealed record EngineJson(string Engine, string? Model, string? PromptVersion, int Cases, int Answerable, int ExactAnswers,
        double ExactAnswerAccuracy, double RefusalCorrectness, int RefusalCases, int RefusalsCorrect, double IntentAccuracy, int ModelErrors,
        IReadOnlyList<IntentRow> PerIntent, IReadOnlyList<Slow> Slowest, IReadOnlyList<Miss> Misses);
    public sealed record CategorizerJson(int HeldOut, double RulesAndModel, double ModelAlone, double DecidedByRules);
    public sealed record ReportJson(string Set, int Seed, DateTimeOffset Now, string TemplateVersion, IReadOnlyList<EngineJson> Engines,
        CategorizerJson? Categorizer = null);

    private static string P(double share) => share.ToString("P1", CultureInfo.InvariantCulture);

    /// <summary>The expected intent, or "refuse:&lt;reason&gt;" for a question that must be refused (not_found ones too:
    /// understood, but about an account or record that is not the asker's).</summary>
    public static string Kind(EvalCase c) => c.Expected.Refusal is { } reason ? "refuse:" + reason : c.Expected.Intent!;

    public static ReportJson ToJson(string setPath, EvalSet set, IReadOnlyList<EngineRun> runs, int slowest) =>
        new(Path.GetFileName(setPath), set.Seed, set.Now, set.TemplateVersion, runs.Select(run =>
        {
            var r = run.Report;
            var pairs = set.Cases.Zip(r.Outcomes).ToList();
            var perIntent = pairs.GroupBy(p => Kind(p.First)).OrderBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => new IntentRow(g.Key, g.Count(), g.Count(p => p.Second.ExactAnswer), g.Count(p => p.Second.RefusalCorrect))).ToList();
            var slow = r.Outcomes.OrderByDescending(o => o.Elapsed).Take(slowest)
                .Select(o => new Slow(o.Id, Math.Round(o.Elapsed.TotalMilliseconds, 1), o.Question)).ToList();
            var misses = r.Outcomes.Where(o => o.Difference is not null).Select(o => new Miss(o.Id, o.Question, o.Difference!)).ToList();
            return new EngineJson(run.Engine, run.Model, run.PromptVersion, r.Cases, r.Answerable, r.ExactAnswers, r.ExactAnswerAccuracy,
                r.RefusalCorrectness, r.RefusalCases, r.RefusalsCorrect, r.IntentAccuracy, run.Errors, perIntent, slow, misses);
        }).ToList());

    public static string Serialize(ReportJson report) => JsonSerializer.Serialize(report, EvalSet.JsonOptions) + "\n";

    public static void Write(IAnsiConsole console, ReportJson report, double minAccuracy)
    {
        console.MarkupLine($"nlp-eval: {report.Engines[0].Cases} questions of {Markup.Escape(report.Set)} (dataset seed {report.Seed}, now {report.Now:yyyy-MM-dd}), " +
                           $"templates {Markup.Escape(report.TemplateVersion)}");
        foreach (var e in report.Engines)
        {
            console.WriteLine();
            var what = e.Engine + (e.Model is null ? "" : $" ({e.Model}, {e.PromptVersion})");
            var ok = e.ExactAnswerAccuracy >= minAccuracy;
            console.MarkupLine($"[bold]{Markup.Escape(what)}[/]: exact answers {e.ExactAnswers}/{e.Answerable} " +
                               $"([{(ok ? "green" : "red")}]{P(e.ExactAnswerAccuracy)}[/], floor {P(minAccuracy)}), " +
                               $"refusal correctness {P(e.RefusalCorrectness)} (expected refusals met {e.RefusalsCorrect}/{e.RefusalCases}), " +
                               $"intent {P(e.IntentAccuracy)}" + (e.ModelErrors > 0 ? $", [red]{e.ModelErrors} model errors[/]" : ""));
            var table = new Table().AddColumns("intent", "questions", "exact", "refusal correct");
            foreach (var row in e.PerIntent)
                table.AddRow(Markup.Escape(row.Intent), N(row.Cases), N(row.Exact), N(row.RefusalsCorrect));
            console.Write(table);
            var slow = new Table().AddColumns("slowest", "ms", "question");
            foreach (var s in e.Slowest)
                slow.AddRow(Markup.Escape(s.Id), s.Milliseconds.ToString("0.0", CultureInfo.InvariantCulture), Markup.Escape(s.Question));
            console.Write(slow);
            foreach (var miss in e.Misses.Take(MaxMissesShown))
                console.MarkupLine($"  miss {Markup.Escape(miss.Id)} \"{Markup.Escape(miss.Question)}\": {Markup.Escape(miss.Difference)}");
            if (e.Misses.Count > MaxMissesShown) console.MarkupLine($"  … and {e.Misses.Count - MaxMissesShown} more misses (--json has all)");
        }
        if (report.Categorizer is { } c)
        {
            console.WriteLine();
            console.MarkupLine($"[bold]categorizer[/] (the spending questions' categories) on {c.HeldOut} held-out labelled lines never trained on: " +
                               $"rules + model {P(c.RulesAndModel)}, model alone {P(c.ModelAlone)}, decided by rules {P(c.DecidedByRules)}");
        }
    }

    private const int MaxMissesShown = 10;

    private static string N(int value) => value.ToString(CultureInfo.InvariantCulture);
}
