using System.Text.Json;
using LedgerX.Fraud.Api.Alerts;
using LedgerX.Fraud.Api.Infrastructure.Persistence;

namespace LedgerX.Fraud.Api.Apis;

/// <summary>
/// An alert row as each API version shows it to a caller. Who acknowledged it and the reviewer's note are staff's
/// working notes: shown to callers who see every account (<c>staff</c>), left out for an account's owner.
/// </summary>
public static class AlertViews
{
    public static AlertResponse V1(AlertRow a, bool staff)
    {
        ArgumentNullException.ThrowIfNull(a);
        return new(a.Id, a.AccountId, a.Score, Reasons(a), a.Status, a.Topic, a.EventId, a.EntryId, a.HoldId, a.Direction, a.Amount, a.Currency,
            a.Counterparty, a.OccurredAt, a.CreatedAt, a.AcknowledgedAt, staff ? a.AcknowledgedBy : null, staff ? a.AcknowledgementNote : null, Action(a));
    }

    public static AlertResponseV2 V2(AlertRow a, bool staff)
    {
        ArgumentNullException.ThrowIfNull(a);
        return new(a.Id, a.AccountId, a.Score, Reasons(a), a.Status, a.Topic, a.EventId, a.EntryId, a.HoldId, a.Direction, new Money(a.Amount, a.Currency),
            a.Counterparty, a.OccurredAt, a.CreatedAt, a.AcknowledgedAt, staff ? a.AcknowledgedBy : null, staff ? a.AcknowledgementNote : null, Action(a));
    }

    private static List<ReasonResponse> Reasons(AlertRow a) => JsonSerializer.Deserialize<List<ReasonResponse>>(a.Reasons, AlertRecorder.Json) ?? [];

    private static PolicyActionResponse Action(AlertRow a) => new(a.Action, a.ActionStatus, a.ActionAttempts, a.ActionLastError, a.ActionCompletedAt);
}
