namespace LedgerX.Fraud.Domain.Rules;

/// <summary>
/// A rule as configured: which kind of check (<see cref="Type"/>, one of <see cref="RuleCatalog.Types"/>), how many
/// points it adds at full strength (<see cref="Weight"/>, 0 to 100) and its parameters by name. Rules are data: a new
/// combination of thresholds and weights is a configuration change, not a code change.
/// </summary>
public sealed record RuleDefinition
{
    public string Id { get; init; } = "";
    public string Type { get; init; } = "";
    public int Weight { get; init; }
    public IReadOnlyDictionary<string, double> Parameters { get; init; } = new Dictionary<string, double>();
}
