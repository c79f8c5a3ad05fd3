using System.Text.Json;
using LedgerX.Fraud.Api.Alerts;
using LedgerX.Fraud.Api.Infrastructure.Persistence;
using LedgerX.ServiceDefaults;
using LedgerX.ServiceDefaults.Audit;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace LedgerX.Fraud.Api.Apis;

/// <summary>Alerts: list with filters (keyset paging, newest first), get one, acknowledge.</summary>
public static class AlertsApi
{
    public const int MaxPageSize = 200;
    public const int DefaultPageSize = 50;

    public static IEndpointRouteBuilder MapAlertsApi(this IEndpointRouteBuilder app)
    {
        var alerts = app.MapGroup("/api/v1/alerts").WithTags("Alerts");
        alerts.MapGet("/", List).WithName("ListAlerts").WithSummary("Alerts, newest first, filtered by account, status and score")
            .ProducesValidationProblem();
        alerts.MapGet("/{id:guid}", Get).WithName("GetAlert").WithSummary("An alert with its reasons and policy action")
            .ProducesProblem(StatusCodes.Status404NotFound);
        alerts.MapPost("/{id:guid}/acknowledge", Acknowledge).WithName("AcknowledgeAlert").WithSummary("Mark an alert as reviewed")
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        return app;
    }

    public sealed record ListQuery(
        [FromQuery] Guid? AccountId, [FromQuery] string? Status, [FromQuery] int? MinScore, [FromQuery] DateTimeOffset? Since,
        [FromQuery] Guid? After, [FromQuery] int? Limit);

    public static async Task<Results<Ok<Page<AlertResponse>>, ValidationProblem>> List([AsParameters] ListQuery q, FraudDbContext db, CancellationToken ct)
    {
        var size = q.Limit ?? DefaultPageSize;
        if (size is < 1 or > MaxPageSize)
        {
            return Problems.Validation("limit", $"The limit must be between 1 and {MaxPageSize}.");
        }
        if (q.Status is not (null or AlertStatus.Open or AlertStatus.Acknowledged))
        {
            return Problems.Validation("status", "The status must be 'open' or 'acknowledged'.");
        }
        if (q.MinScore is < 0 or > 100)
        {
            return Problems.Validation("minScore", "The minScore must be between 0 and 100.");
        }

        var query = db.Alerts.AsNoTracking();
        if (q.AccountId is { } account)
        {
            query = query.Where(a => a.AccountId == account);
        }
        if (q.Status is { } status)
        {
            query = query.Where(a => a.Status == status);
        }
        if (q.MinScore is { } minScore)
        {
            query = query.Where(a => a.Score >= minScore);
        }
        if (q.Since is { } since)
        {
            query = query.Where(a => a.CreatedAt >= since);
        }
        if (q.After is { } cursor)
        {
            query = query.Where(a => a.Id.CompareTo(cursor) < 0);
        }
        var rows = await query.OrderByDescending(a => a.Id).Take(size + 1).ToListAsync(ct);
        var items = rows.Take(size).Select(ToResponse).ToList();
        return TypedResults.Ok(new Page<AlertResponse>(items, rows.Count > size ? items[^1].Id.ToString() : null));
    }

    public static async Task<Results<Ok<AlertResponse>, ProblemHttpResult>> Get(Guid id, FraudDbContext db, CancellationToken ct) =>
        await db.Alerts.AsNoTracking().FirstOrDefaultAsync(a => a.Id == id, ct) is { } alert
            ? TypedResults.Ok(ToResponse(alert))
            : NotFound(id);

    /// <summary>Acknowledges an alert; the acknowledgement's audit event (by the caller) commits with it.</summary>
    public static async Task<Results<Ok<AlertResponse>, ValidationProblem, ProblemHttpResult>> Acknowledge(
        Guid id, AcknowledgeAlertRequest request, FraudDbContext db, TimeProvider clock, HttpContext http, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(request.AcknowledgedBy) || request.AcknowledgedBy.Length > 128)
        {
            return Problems.Validation("acknowledgedBy", "Who acknowledges is required (1 to 128 characters).");
        }
        if (request.Note is { Length: > 1000 })
        {
            return Problems.Validation("note", "The note is at most 1000 characters.");
        }
        if (await db.Alerts.FirstOrDefaultAsync(a => a.Id == id, ct) is not { } alert)
        {
            return NotFound(id);
        }
        if (alert.Status == AlertStatus.Acknowledged)
        {
            return Problems.Conflict("alert_already_acknowledged", $"Alert {id} was acknowledged by {alert.AcknowledgedBy} at {alert.AcknowledgedAt:O}.");
        }
        alert.Status = AlertStatus.Acknowledged;
        alert.AcknowledgedAt = clock.GetUtcNow();
        alert.AcknowledgedBy = request.AcknowledgedBy.Trim();
        alert.AcknowledgementNote = request.Note;
        var details = new Dictionary<string, string> { ["acknowledgedBy"] = alert.AcknowledgedBy, ["accountId"] = alert.AccountId.ToString() };
        if (request.Note is { Length: > 0 } note)
        {
            details["note"] = AuditCaller.Detail(note);
        }
        db.AddAuditEvent(AuditRecorded.Create(clock, Events.Components.FraudService, AuditCaller.Of(http), AuditActions.AlertAcknowledged,
            AuditOutcomes.Succeeded, new AuditSubject("alert", id.ToString()), details));
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(ToResponse(alert));
    }

    private static ProblemHttpResult NotFound(Guid id) => Problems.NotFound("alert_not_found", $"Alert {id} does not exist.");

    internal static AlertResponse ToResponse(AlertRow a) => new(
        a.Id, a.AccountId, a.Score, JsonSerializer.Deserialize<List<ReasonResponse>>(a.Reasons, AlertRecorder.Json) ?? [], a.Status, a.Topic, a.EventId,
        a.EntryId, a.HoldId, a.Direction, a.Amount, a.Currency, a.Counterparty, a.OccurredAt, a.CreatedAt, a.AcknowledgedAt, a.AcknowledgedBy,
        a.AcknowledgementNote, new PolicyActionResponse(a.Action, a.ActionStatus, a.ActionAttempts, a.ActionLastError, a.ActionCompletedAt));
}
