namespace LedgerX.Transactions.Domain;

/// <summary>Bounds on the free-form key/value metadata kept with accounts and entries, so nobody stores a document there.</summary>
public static class LedgerMetadata
{
    public const int MaxEntries = 32;
    public const int MaxKeyLength = 64;
    public const int MaxValueLength = 512;

    public static readonly IReadOnlyDictionary<string, string> Empty = new Dictionary<string, string>();

    public static IReadOnlyDictionary<string, string> Validate(IReadOnlyDictionary<string, string>? metadata, string field = "metadata")
    {
        if (metadata is null || metadata.Count == 0)
        {
            return Empty;
        }
        if (metadata.Count > MaxEntries)
        {
            throw new LedgerRuleException(LedgerError.Validation(field, $"At most {MaxEntries} metadata entries are allowed."));
        }
        foreach (var (key, value) in metadata)
        {
            if (string.IsNullOrWhiteSpace(key) || key.Length > MaxKeyLength)
            {
                throw new LedgerRuleException(LedgerError.Validation(field, $"Metadata keys must be 1 to {MaxKeyLength} characters."));
            }
            if (value is null || value.Length > MaxValueLength)
            {
                throw new LedgerRuleException(LedgerError.Validation($"{field}.{key}", $"Metadata values must be at most {MaxValueLength} characters."));
            }
        }
        return new SortedDictionary<string, string>(metadata.ToDictionary(), StringComparer.Ordinal);
    }
}
