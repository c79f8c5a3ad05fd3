using LedgerX.ServiceDefaults.Telemetry;
using System.Text.Json;
using Dapr.Actors;
using Dapr.Actors.Client;
using LedgerX.Fraud.Api.Actors;
using LedgerX.Fraud.Api.Events;
using LedgerX.Fraud.Api.Infrastructure;
using LedgerX.Fraud.Api.Infrastructure.Persistence;
using LedgerX.Fraud.Domain.Scoring;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace LedgerX.Fraud.Api.Alerts;

public enum ConsumeOutcome
{
    Processed,
    Duplicate,
}

/// <summary>
/// The consumer's one path: skip an event already processed, score each movement in its account's actor, then write the
/// alerts, their fraud.flagged.v1 outbox rows and the processed-event row in one transaction. An event is thus applied
/// once: a redelivery before the commit is scored again by the actor, which answers from memory without counting it
/// twice; a redelivery after the commit stops at the processed-events check.
/// </summary>
public sealed class AlertRecorder(
    FraudDbContext db, IActorProxyFactory actors, IOptions<FraudOptions> options, TimeProvider clock, DispatchSignals signals,
    FraudMetrics metrics)
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task<ConsumeOutcome> RecordAsync(Guid eventId, string topic, IReadOnlyList<SourcedMovement> movements, CancellationToken ct)
    {
        if (await db.ProcessedEvents.AsNoTracking().AnyAsync(p => p.EventId == eventId, ct))
        {
            return ConsumeOutcome.Duplicate;
        }

        var fraud = options.Value;
        var alerts = new List<AlertRow>();
        foreach (var sourced in movements)
        {
            var proxy = actors.Create(new ActorId(sourced.Movement.AccountId.ToString()), AccountRiskActor.TypeName);
            var assessment = await proxy.InvokeMethodAsync<Domain.Movement, Assessment>(nameof(IAccountRiskActor.AssessAsync), sourced.Movement, ct);
            metrics.Scored(assessment.Score);
            if (assessment.Score >= fraud.AlertThreshold)
            {
                alerts.Add(NewAlert(sourced, assessment, fraud));
            }
        }

        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        db.ProcessedEvents.Add(new ProcessedEventRow { EventId = eventId, Topic = topic, Alerts = alerts.Count, ProcessedAt = clock.GetUtcNow() });
        db.Alerts.AddRange(alerts);
        db.Outbox.AddRange(alerts.Select(Flagged));
        try
        {
            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
        }
        catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            // A concurrent delivery of the same event committed first.
            return ConsumeOutcome.Duplicate;
        }

        metrics.Alerted(alerts.Count);
        if (alerts.Count > 0)
        {
            signals.Notify();
        }
        return ConsumeOutcome.Processed;
    }

    private AlertRow NewAlert(SourcedMovement sourced, Assessment assessment, FraudOptions fraud)
    {
        var act = assessment.Score >= fraud.PolicyThreshold && fraud.HighScorePolicy switch
        {
            HighScorePolicy.Freeze => true,
            // A reversal needs an entry; a hold has none yet.
            HighScorePolicy.Reverse => sourced.EntryId is not null,
            _ => false,
        };
        var now = clock.GetUtcNow();
        var m = sourced.Movement;
        return new AlertRow
        {
            Id = Guid.CreateVersion7(now),
            EventId = m.EventId,
            Topic = sourced.Topic,
            AccountId = m.AccountId,
            EntryId = sourced.EntryId,
            HoldId = sourced.HoldId,
            Direction = m.IsOutflow ? "outflow" : "inflow",
            Amount = m.Amount,
            Currency = m.Currency,
            Counterparty = m.Counterparty,
            Score = assessment.Score,
            Reasons = JsonSerializer.Serialize(assessment.Reasons, Json),
            OccurredAt = m.OccurredAt,
            CreatedAt = now,
            Status = AlertStatus.Open,
            Action = act ? fraud.HighScorePolicy.ToString().ToLowerInvariant() : "none",
            ActionStatus = act ? ActionStatus.Pending : ActionStatus.NotRequired,
            ActionNextAttemptAt = act ? now : null,
        };
    }

    private OutboxRow Flagged(AlertRow alert)
    {
        var trace = OutboxTrace.Current;
        var reasons = JsonSerializer.Deserialize<List<FlaggedReason>>(alert.Reasons, Json)!;
        var flagged = new FraudFlagged
        {
            EventId = Guid.CreateVersion7(alert.CreatedAt),
            OccurredAt = alert.CreatedAt,
            AlertId = alert.Id,
            AccountId = alert.AccountId,
            Score = alert.Score,
            Reasons = reasons,
            SourceTopic = alert.Topic,
            SourceEventId = alert.EventId,
            EntryId = alert.EntryId,
            HoldId = alert.HoldId,
            Amount = alert.Amount,
            Currency = alert.Currency,
            Action = alert.Action,
        };
        return new OutboxRow
        {
            EventId = flagged.EventId,
            Topic = Topics.FraudFlagged,
            Payload = JsonSerializer.Serialize(flagged, FlaggedJson),
            CreatedAt = alert.CreatedAt,
            NextAttemptAt = alert.CreatedAt,
            // The delivery of the event that raised the alert: fraud.flagged.v1 continues the transfer's trace.
            TraceParent = trace.TraceParent,
            TraceState = trace.TraceState,
        };
    }

    /// <summary>How fraud.flagged.v1 is written: camelCase, null fields left out (as its schema says).</summary>
    public static readonly JsonSerializerOptions FlaggedJson = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };
}
