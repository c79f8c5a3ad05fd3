namespace LedgerX.Fraud.Api.Apis;

// The HTTP API's shapes (camelCase JSON). Amounts are integers in minor units of `currency`. Shapes shared by v1 and v2
// are declared once; the alert differs (v2: money as one object).

public sealed record ReasonResponse(string RuleId, string RuleType, int Points, string Detail);

public sealed record AlertResponse(
    Guid Id, Guid AccountId, int Score, IReadOnlyList<ReasonResponse> Reasons, string Status, string SourceTopic, Guid SourceEventId,
    Guid? EntryId, Guid? HoldId, string Direction, long Amount, string Currency, string? Counterparty, DateTimeOffset OccurredAt,
    DateTimeOffset CreatedAt, DateTimeOffset? AcknowledgedAt, string? AcknowledgedBy, string? AcknowledgementNote, PolicyActionResponse PolicyAction);

/// <summary><c>action</c> none, freeze or reverse; <c>status</c> not_required, pending, done or failed.</summary>
public sealed record PolicyActionResponse(string Action, string Status, int Attempts, string? LastError, DateTimeOffset? CompletedAt);

/// <summary>Who acknowledges is the access token's subject, never a field: a body that still sends <c>acknowledgedBy</c>
/// is refused (400, naming the field), so an old client learns why.</summary>
public sealed record AcknowledgeAlertRequest(string? Note = null);

/// <summary>v2's money: an integer number of minor units and its ISO 4217 currency, always together.</summary>
public sealed record Money(long Amount, string Currency);

/// <summary>The alert in v2: as v1, but <c>amount</c> is a <see cref="Money"/> object and there is no <c>currency</c>.</summary>
public sealed record AlertResponseV2(
    Guid Id, Guid AccountId, int Score, IReadOnlyList<ReasonResponse> Reasons, string Status, string SourceTopic, Guid SourceEventId,
    Guid? EntryId, Guid? HoldId, string Direction, Money Amount, string? Counterparty, DateTimeOffset OccurredAt,
    DateTimeOffset CreatedAt, DateTimeOffset? AcknowledgedAt, string? AcknowledgedBy, string? AcknowledgementNote, PolicyActionResponse PolicyAction);

/// <summary>A page of results; pass <c>nextCursor</c> as <c>after</c> to get the next page (null at the end).</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, string? NextCursor);

public sealed record AmountStatisticsResponse(long Count, double Mean, double StandardDeviation);

public sealed record RecentAssessmentResponse(Guid EventId, int Score, IReadOnlyList<ReasonResponse> Reasons);

/// <summary>An account's risk profile as its actor holds it.</summary>
public sealed record RiskProfileResponse(
    Guid AccountId, long Movements, AmountStatisticsResponse Outflows, AmountStatisticsResponse Inflows, int KnownCounterparties,
    IReadOnlyList<int> MovementsByHourUtc, IReadOnlyList<RecentAssessmentResponse> RecentAssessments);
