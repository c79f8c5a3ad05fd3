using LedgerX.Nlp.Domain.Categorization;

namespace LedgerX.Nlp.Api.Tools;

/// <summary>What the tools call an entry's category and counterparty. Category: the entry's own (lower-cased, as
/// analytics-service does), else the domain's categorizer (rules, then the ML.NET model) on the description.
/// Counterparty: the entry's metadata <c>counterparty</c>, else its description. One instance per process: the model is
/// trained in memory once, on first use (a few seconds), from the committed labelled set.</summary>
public sealed class EntryClassifier
{
    public const string CounterpartyKey = "counterparty";

    private readonly Lazy<TransactionCategorizer> _categorizer =
        new(() => TransactionCategorizer.Train(LabelledDescriptions.Generate()), LazyThreadSafetyMode.ExecutionAndPublication);

    public string Category(string? entryCategory, string? description)
    {
        if (!string.IsNullOrWhiteSpace(entryCategory)) return entryCategory.Trim().ToLowerInvariant();
        // Nothing to read: the categorizer would guess from an empty text, so say "other" plainly.
        return string.IsNullOrWhiteSpace(description) ? Categories.Other : _categorizer.Value.Categorize(description).Category;
    }

    public static string Counterparty(IReadOnlyDictionary<string, string>? metadata, string? description) =>
        metadata is not null && metadata.TryGetValue(CounterpartyKey, out var named) && !string.IsNullOrWhiteSpace(named)
            ? named.Trim()
            : description?.Trim() ?? "";
}
