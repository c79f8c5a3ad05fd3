using System.Collections.Frozen;
using System.Globalization;

namespace LedgerX.Fraud.Domain.Rules;

/// <summary>A parameter a rule type takes: its bounds (inclusive) and the value used when configuration omits it.</summary>
public sealed record ParameterSpec(string Name, double Min, double Max, double Default, string Meaning);

/// <summary>A kind of check configuration can instantiate.</summary>
public sealed record RuleType(string Name, string Meaning, IReadOnlyList<ParameterSpec> Parameters, Func<RuleDefinition, RiskRule> Create);

/// <summary>Every rule type configuration may name. Adding a type here is the only code change a new kind of check needs.</summary>
public static class RuleCatalog
{
    public const int MaxWeight = 100;
    public const int MaxRules = 50;

    public static readonly FrozenDictionary<string, RuleType> Types = new RuleType[]
    {
        new("amount_deviation", "an outflow far above the account's usual outflows",
        [
            new("minHistory", 1, 10_000, 5, "outflows seen before the rule applies"),
            new("zScore", 0.5, 50, 3, "standard deviations above the mean where the rule starts to fire"),
            new("fullZScore", 1, 100, 6, "standard deviations where it fires at full strength"),
            new("minStdDevRatio", 0, 10, 0.25, "floor of the standard deviation, as a share of the mean"),
        ], d => new AmountDeviationRule(d)),
        new("velocity_burst", "more outflows in a short window than allowed",
        [
            new("windowSeconds", 1, 7 * 86_400, 600, "window length"),
            new("maxCount", 1, 10_000, 5, "outflows allowed within the window"),
        ], d => new VelocityBurstRule(d)),
        new("new_counterparty", "a payment to a counterparty never seen before",
        [
            new("minHistory", 0, 10_000, 5, "movements seen before the rule applies"),
        ], d => new NewCounterpartyRule(d)),
        new("round_amount", "a large outflow that is a round multiple",
        [
            new("multiple", 1, 1e12, 10_000, "the amount is a multiple of this (minor units)"),
            new("minAmount", 0, 1e15, 50_000, "smallest amount the rule looks at (minor units)"),
        ], d => new RoundAmountRule(d)),
        new("drain_after_deposit", "recent deposits leave again almost at once",
        [
            new("windowSeconds", 60, 7 * 86_400, 86_400, "how recent a deposit must be"),
            new("drainRatio", 0.1, 1, 0.8, "share of the recent deposits that must have left"),
            new("minDepositAmount", 0, 1e15, 10_000, "smallest recent deposit total the rule looks at (minor units)"),
        ], d => new DrainAfterDepositRule(d)),
        new("unusual_hour", "activity at an hour the account is almost never active",
        [
            new("minHistory", 1, 100_000, 20, "movements seen before the rule applies"),
            new("maxShare", 0, 1, 0.02, "largest share of past movements in that hour (±1 h) that still counts as unusual"),
        ], d => new UnusualHourRule(d)),
        new("large_amount", "an outflow at or above a fixed amount",
        [
            new("threshold", 1, 1e15, 1_000_000, "amount (minor units)"),
        ], d => new LargeAmountRule(d)),
    }.ToFrozenDictionary(t => t.Name, StringComparer.Ordinal);

    /// <summary>Checks every definition and builds the rules, or lists every problem (never only the first), each
    /// naming the rule by position and id.</summary>
    public static RuleSetResult Build(IReadOnlyList<RuleDefinition>? definitions)
    {
        var errors = new List<string>();
        var rules = new List<RiskRule>();
        if (definitions is null || definitions.Count == 0)
        {
            return new RuleSetResult(null, ["At least one rule must be configured."]);
        }
        if (definitions.Count > MaxRules)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"At most {MaxRules} rules may be configured; found {definitions.Count}."));
        }

        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < definitions.Count; i++)
        {
            var d = definitions[i];
            var at = string.Create(CultureInfo.InvariantCulture, $"Rule {i} ('{d.Id}')");
            var before = errors.Count;
            if (string.IsNullOrWhiteSpace(d.Id))
            {
                errors.Add(string.Create(CultureInfo.InvariantCulture, $"Rule {i} has no id."));
            }
            else if (!ids.Add(d.Id))
            {
                errors.Add($"{at}: the id is used by another rule.");
            }
            if (d.Weight is < 0 or > MaxWeight)
            {
                errors.Add(string.Create(CultureInfo.InvariantCulture, $"{at}: weight {d.Weight} is outside 0..{MaxWeight}."));
            }
            if (!Types.TryGetValue(d.Type ?? "", out var type))
            {
                errors.Add($"{at}: unknown rule type '{d.Type}'; known types: {string.Join(", ", Types.Keys.Order(StringComparer.Ordinal))}.");
                continue;
            }

            var parameters = new Dictionary<string, double>(StringComparer.Ordinal);
            foreach (var (name, value) in d.Parameters ?? new Dictionary<string, double>())
            {
                var spec = type.Parameters.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));
                if (spec is null)
                {
                    errors.Add($"{at}: unknown parameter '{name}' for type {type.Name}; it takes: {string.Join(", ", type.Parameters.Select(p => p.Name))}.");
                }
                else if (double.IsNaN(value) || value < spec.Min || value > spec.Max)
                {
                    errors.Add(string.Create(CultureInfo.InvariantCulture, $"{at}: parameter {spec.Name} = {value} is outside {spec.Min}..{spec.Max}."));
                }
                else
                {
                    parameters[spec.Name] = value;
                }
            }
            foreach (var spec in type.Parameters)
            {
                parameters.TryAdd(spec.Name, spec.Default);
            }
            if (type.Name == "amount_deviation" && parameters["fullZScore"] <= parameters["zScore"])
            {
                errors.Add($"{at}: fullZScore must be greater than zScore.");
            }
            if (errors.Count == before)
            {
                rules.Add(type.Create(d with { Type = type.Name, Parameters = parameters }));
            }
        }
        return errors.Count == 0 ? new RuleSetResult(rules, []) : new RuleSetResult(null, errors);
    }
}

/// <summary>The rules, or why configuration did not yield any.</summary>
public sealed record RuleSetResult(IReadOnlyList<RiskRule>? Rules, IReadOnlyList<string> Errors)
{
    public bool IsValid => Rules is not null;
}
