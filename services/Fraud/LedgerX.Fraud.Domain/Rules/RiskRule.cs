using LedgerX.Fraud.Domain.Profiles;

namespace LedgerX.Fraud.Domain.Rules;

/// <summary>How strongly a rule fired (0 to 1) and why, in words an analyst can check.</summary>
public sealed record RuleSignal(double Strength, string Detail)
{
    public static RuleSignal Full(string detail) => new(1, detail);
}

/// <summary>A configured check: reads the account's profile as it was before the movement, never changes it.</summary>
public abstract class RiskRule(RuleDefinition definition)
{
    public RuleDefinition Definition { get; } = definition;

    protected double Parameter(string name) => Definition.Parameters[name];

    /// <summary>Null when the rule does not fire.</summary>
    public abstract RuleSignal? Evaluate(RiskProfile before, Movement movement);
}
