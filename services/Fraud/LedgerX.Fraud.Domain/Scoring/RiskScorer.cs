using LedgerX.Fraud.Domain.Profiles;
using LedgerX.Fraud.Domain.Rules;

namespace LedgerX.Fraud.Domain.Scoring;

/// <summary>One rule's contribution to a score.</summary>
public sealed record Reason(string RuleId, string RuleType, int Points, string Detail);

/// <summary>A score from 0 to 100 and the reasons that add up to it (before the cap), strongest first.</summary>
public sealed record Assessment(int Score, IReadOnlyList<Reason> Reasons)
{
    public const int MaxScore = 100;

    public static Assessment None { get; } = new(0, []);
}

/// <summary>
/// Scores a movement: each rule that fires adds its weight times its strength (rounded), and the sum is capped at
/// 100. Additive points keep the score explainable: the reasons list exactly what produced it.
/// </summary>
public sealed class RiskScorer
{
    private readonly IReadOnlyList<RiskRule> _rules;

    public RiskScorer(IReadOnlyList<RiskRule> rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        _rules = rules;
    }

    /// <summary>Builds the scorer from configuration, or throws with every problem listed.</summary>
    public static RiskScorer FromDefinitions(IReadOnlyList<RuleDefinition> definitions)
    {
        var result = RuleCatalog.Build(definitions);
        return result.IsValid
            ? new RiskScorer(result.Rules!)
            : throw new ArgumentException("Invalid fraud rules: " + string.Join(" ", result.Errors), nameof(definitions));
    }

    public Assessment Score(RiskProfile before, Movement movement)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(movement);
        var reasons = new List<Reason>();
        foreach (var rule in _rules)
        {
            if (rule.Evaluate(before, movement) is { } signal)
            {
                var points = (int)Math.Round(rule.Definition.Weight * Math.Clamp(signal.Strength, 0, 1), MidpointRounding.AwayFromZero);
                if (points > 0)
                {
                    reasons.Add(new Reason(rule.Definition.Id, rule.Definition.Type, points, signal.Detail));
                }
            }
        }
        var score = Math.Min(Assessment.MaxScore, reasons.Sum(r => r.Points));
        return new Assessment(score, [.. reasons.OrderByDescending(r => r.Points).ThenBy(r => r.RuleId, StringComparer.Ordinal)]);
    }
}
