using LedgerX.Fraud.Domain;
using LedgerX.Fraud.Domain.Profiles;
using LedgerX.Fraud.Domain.Rules;
using LedgerX.Fraud.Domain.Scoring;

namespace LedgerX.Fraud.UnitTests;

/// <summary>Builds movements and profiles on a scripted timeline (times are the events', never the machine's).</summary>
internal sealed class Timeline
{
    public static readonly DateTimeOffset Start = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);

    public DateTimeOffset Now { get; private set; } = Start;

    public RiskProfile Profile { get; private set; } = RiskProfile.Empty;

    public Timeline Advance(TimeSpan by)
    {
        Now += by;
        return this;
    }

    public Timeline At(DateTimeOffset when)
    {
        Now = when;
        return this;
    }

    public Movement Out(long amount, string? to = null) => Make(MovementDirection.Outflow, amount, to);

    public Movement In(long amount, string? from = null) => Make(MovementDirection.Inflow, amount, from);

    public Timeline Record(Movement movement)
    {
        Profile = Profile.Record(movement);
        return this;
    }

    public Assessment Assess(RiskScorer scorer, Movement movement)
    {
        var (next, assessment, _) = Profile.Assess(movement, scorer);
        Profile = next;
        return assessment;
    }

    private Movement Make(MovementDirection direction, long amount, string? other) => new()
    {
        EventId = Guid.CreateVersion7(),
        AccountId = Guid.Empty,
        Direction = direction,
        Amount = amount,
        Currency = "EUR",
        Counterparty = other,
        OccurredAt = Now,
    };
}

internal static class Rule
{
    public static RuleDefinition Of(string type, int weight = 50, params (string Name, double Value)[] parameters) => new()
    {
        Id = type.Replace('_', '-'),
        Type = type,
        Weight = weight,
        Parameters = parameters.ToDictionary(p => p.Name, p => p.Value),
    };

    public static RiskScorer Only(string type, int weight = 50, params (string Name, double Value)[] parameters) =>
        RiskScorer.FromDefinitions([Of(type, weight, parameters)]);

    /// <summary>The rules fraud-service ships with (appsettings.json), kept equal by hand.</summary>
    public static RiskScorer Defaults() => RiskScorer.FromDefinitions(
    [
        Of("amount_deviation", 30),
        Of("velocity_burst", 20),
        Of("new_counterparty", 15),
        Of("round_amount", 10),
        Of("drain_after_deposit", 40),
        Of("unusual_hour", 10),
        Of("large_amount", 15),
    ]);
}
