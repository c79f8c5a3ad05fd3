using System.ComponentModel.DataAnnotations;
using LedgerX.Fraud.Domain.Rules;
using Microsoft.Extensions.Options;

namespace LedgerX.Fraud.Api;

/// <summary>What fraud-service does with a high score.</summary>
public enum HighScorePolicy
{
    /// <summary>Alert (and publish fraud.flagged.v1) only.</summary>
    None,

    /// <summary>Ask transaction-service to freeze the account.</summary>
    Freeze,

    /// <summary>Ask transaction-service to start a reversal saga of the scored entry.</summary>
    Reverse,
}

/// <summary>The "Fraud" configuration section: thresholds, the high-score policy and the rules. Validated at start.</summary>
public sealed class FraudOptions
{
    public const string Section = "Fraud";

    /// <summary>Scores at or above this are stored as alerts and published as fraud.flagged.v1.</summary>
    [Range(1, 100)] public int AlertThreshold { get; set; } = 50;

    /// <summary>Scores at or above this trigger <see cref="HighScorePolicy"/>; never below the alert threshold.</summary>
    [Range(1, 100)] public int PolicyThreshold { get; set; } = 85;

    public HighScorePolicy HighScorePolicy { get; set; } = HighScorePolicy.None;

    /// <summary>The scoring rules. No defaults in code: appsettings.json lists them, so what runs is what is configured.</summary>
    public List<RuleOptions> Rules { get; set; } = [];

    internal IReadOnlyList<RuleDefinition> Definitions() =>
        [.. Rules.Select(r => new RuleDefinition { Id = r.Id ?? "", Type = r.Type ?? "", Weight = r.Weight, Parameters = r.Parameters ?? [] })];
}

/// <summary>One rule as configured (see RuleCatalog for the types and their parameters).</summary>
public sealed class RuleOptions
{
    public string? Id { get; set; }
    public string? Type { get; set; }
    public int Weight { get; set; }
    public Dictionary<string, double>? Parameters { get; set; }
}

/// <summary>Refuses to start with rules the catalog rejects, listing every problem.</summary>
internal sealed class FraudOptionsValidator : IValidateOptions<FraudOptions>
{
    public ValidateOptionsResult Validate(string? name, FraudOptions options)
    {
        var errors = RuleCatalog.Build(options.Definitions()).Errors.Select(e => $"Fraud:Rules: {e}").ToList();
        if (options.PolicyThreshold < options.AlertThreshold)
        {
            errors.Add($"Fraud:PolicyThreshold ({options.PolicyThreshold}) must not be below Fraud:AlertThreshold ({options.AlertThreshold}).");
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

/// <summary>"Fraud:Dispatch": how the outbox relay and the policy worker retry.</summary>
public sealed class DispatchOptions
{
    public const string Section = "Fraud:Dispatch";

    [Range(1, 1000)] public int BatchSize { get; set; } = 100;
    [Range(10, 60_000)] public int PollIntervalMs { get; set; } = 1000;
    [Range(10, 60_000)] public int BackoffBaseMs { get; set; } = 500;
    [Range(100, 3_600_000)] public int BackoffMaxMs { get; set; } = 60_000;

    /// <summary>A policy action (freeze, reversal) is given up after this many failed attempts and the alert says so.</summary>
    [Range(1, 100)] public int MaxActionAttempts { get; set; } = 10;
}
