using LedgerX.Fraud.Domain.Scoring;

namespace LedgerX.Fraud.Domain.Profiles;

/// <summary>A recent movement, kept for the windowed rules (velocity, drain after deposit).</summary>
public sealed record RecentMovement(DateTimeOffset OccurredAt, MovementDirection Direction, long Amount);

/// <summary>An assessment already made, kept so that a redelivered event gets the same answer and counts once.</summary>
public sealed record RememberedAssessment(Guid EventId, Assessment Assessment);

/// <summary>
/// What fraud-service knows about one account's habits: running amount statistics per direction, recent movements,
/// known counterparties and the hours it is usually active. Immutable; <see cref="Assess"/> returns the next profile.
/// Every collection is bounded, so a busy account's profile stays small.
/// </summary>
public sealed record RiskProfile
{
    public const int MaxRecentMovements = 200;
    public const int MaxCounterparties = 500;
    public const int MaxRememberedAssessments = 64;

    /// <summary>How far back recent movements are kept; windowed rules cannot look further.</summary>
    public static readonly TimeSpan RecentHorizon = TimeSpan.FromDays(7);

    public static RiskProfile Empty { get; } = new();

    public RunningStatistics Outflows { get; init; }
    public RunningStatistics Inflows { get; init; }
    public IReadOnlyList<RecentMovement> Recent { get; init; } = [];

    /// <summary>Counterparties paid or received from, least recently seen first.</summary>
    public IReadOnlyList<string> Counterparties { get; init; } = [];

    /// <summary>Movements per hour of day (UTC), 24 buckets.</summary>
    public IReadOnlyList<int> HourCounts { get; init; } = new int[24];

    public IReadOnlyList<RememberedAssessment> Assessments { get; init; } = [];

    /// <summary>Every movement recorded, including those kept out of the amount statistics.</summary>
    public long MovementCount { get; init; }

    public bool Knows(string counterparty) => Counterparties.Contains(counterparty, StringComparer.Ordinal);

    /// <summary>
    /// Scores <paramref name="movement"/> against the profile as it was before it, then records it. An event already
    /// assessed is answered from memory and changes nothing: deliveries are at least once. A movement scoring at or above
    /// <paramref name="baselineExclusionScore"/> is kept out of the amount statistics (but not out of the windows,
    /// counterparties and hours): otherwise the first large fraudulent payment would teach the profile that large
    /// payments are normal, and the next one would look less unusual.
    /// </summary>
    public (RiskProfile Next, Assessment Assessment, bool Duplicate) Assess(
        Movement movement, RiskScorer scorer, int baselineExclusionScore = Assessment.MaxScore + 1)
    {
        ArgumentNullException.ThrowIfNull(movement);
        ArgumentNullException.ThrowIfNull(scorer);
        if (Assessments.FirstOrDefault(a => a.EventId == movement.EventId) is { } remembered)
        {
            return (this, remembered.Assessment, true);
        }

        var assessment = scorer.Score(this, movement);
        var next = Record(movement, includeInBaseline: assessment.Score < baselineExclusionScore) with
        {
            Assessments = [.. Assessments.TakeLast(MaxRememberedAssessments - 1), new RememberedAssessment(movement.EventId, assessment)],
        };
        return (next, assessment, false);
    }

    /// <summary>Adds the movement to the profile without scoring it.</summary>
    public RiskProfile Record(Movement movement, bool includeInBaseline = true)
    {
        ArgumentNullException.ThrowIfNull(movement);
        if (movement.Amount <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(movement), "A movement moves a positive amount.");
        }

        var horizon = movement.OccurredAt - RecentHorizon;
        var hours = HourCounts.ToArray();
        hours[movement.OccurredAt.UtcDateTime.Hour]++;
        var counterparties = Counterparties;
        if (movement.Counterparty is { } other)
        {
            counterparties = [.. Counterparties.Where(c => c != other).TakeLast(MaxCounterparties - 1), other];
        }

        return this with
        {
            MovementCount = MovementCount + 1,
            Outflows = includeInBaseline && movement.IsOutflow ? Outflows.Add(movement.Amount) : Outflows,
            Inflows = includeInBaseline && !movement.IsOutflow ? Inflows.Add(movement.Amount) : Inflows,
            Recent = [.. Recent.Where(r => r.OccurredAt >= horizon).TakeLast(MaxRecentMovements - 1),
                new RecentMovement(movement.OccurredAt, movement.Direction, movement.Amount)],
            Counterparties = counterparties,
            HourCounts = hours,
        };
    }
}
