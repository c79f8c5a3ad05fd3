using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;

namespace LedgerX.Nlp.Domain.Categorization;

public enum CategorySource { Rule, Model }

public sealed record Categorized(string Category, CategorySource Source, float Confidence);

/// <summary>Rules first (certain), then an ML.NET text classifier for the descriptions no rule knows. The model is
/// trained in memory from the labelled set (a few hundred lines train in seconds), so no binary model is committed
/// and the training data is reviewable text.</summary>
public sealed class TransactionCategorizer
{
    private readonly PredictionEngine<DescriptionInput, CategoryPrediction> _engine;
    private readonly Lock _gate = new(); // a prediction engine is not thread-safe

    private TransactionCategorizer(PredictionEngine<DescriptionInput, CategoryPrediction> engine) => _engine = engine;

    /// <summary>Trains on the rows that are not held out. Deterministic: one seed, one thread.</summary>
    public static TransactionCategorizer Train(IEnumerable<LabelledDescription> labelled, int seed = 17)
    {
        var ml = new MLContext(seed);
        var training = ml.Data.LoadFromEnumerable(labelled.Where(l => !l.HeldOut)
            .Select(l => new DescriptionInput { Text = l.Description, Label = l.Category }));
        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.Transforms.Text.FeaturizeText("Features", nameof(DescriptionInput.Text)))
            .Append(ml.MulticlassClassification.Trainers.SdcaMaximumEntropy(new SdcaMaximumEntropyMulticlassTrainer.Options
            {
                NumberOfThreads = 1,
                MaximumNumberOfIterations = 100,
            }))
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"));
        var model = pipeline.Fit(training);
        return new TransactionCategorizer(ml.Model.CreatePredictionEngine<DescriptionInput, CategoryPrediction>(model));
    }

    public Categorized Categorize(string description, string? counterparty = null)
    {
        if (CategoryRules.Match(description, counterparty) is { } ruled) return new Categorized(ruled, CategorySource.Rule, 1f);
        return Predict(description + (counterparty is null ? "" : " " + counterparty));
    }

    /// <summary>The model alone, for measuring it apart from the rules.</summary>
    public Categorized Predict(string text)
    {
        lock (_gate)
        {
            var prediction = _engine.Predict(new DescriptionInput { Text = text });
            return new Categorized(prediction.PredictedLabel, CategorySource.Model, prediction.Score.Length == 0 ? 0 : prediction.Score.Max());
        }
    }

    /// <summary>Accuracy on the held-out rows: of the whole categorizer, of the model alone, and the share rules decided.</summary>
    public CategorizerAccuracy Measure(IEnumerable<LabelledDescription> labelled)
    {
        var heldOut = labelled.Where(l => l.HeldOut).ToList();
        if (heldOut.Count == 0) throw new ArgumentException("No held-out rows to measure on.", nameof(labelled));
        var combined = heldOut.Select(l => (l, Categorize(l.Description))).ToList();
        return new CategorizerAccuracy(
            heldOut.Count,
            combined.Count(x => x.Item2.Category == x.l.Category) / (double)heldOut.Count,
            heldOut.Count(l => Predict(l.Description).Category == l.Category) / (double)heldOut.Count,
            combined.Count(x => x.Item2.Source == CategorySource.Rule) / (double)heldOut.Count);
    }

    public sealed class DescriptionInput
    {
        public string Text { get; set; } = "";
        public string Label { get; set; } = "";
    }

    public sealed class CategoryPrediction
    {
        [ColumnName("PredictedLabel")]
        public string PredictedLabel { get; set; } = "";
        public float[] Score { get; set; } = [];
    }
}

public sealed record CategorizerAccuracy(int HeldOut, double Combined, double ModelAlone, double DecidedByRules)
{
    public override string ToString() =>
        $"held-out {HeldOut}: rules+model {Combined:P1}, model alone {ModelAlone:P1}, decided by rules {DecidedByRules:P1}";
}
