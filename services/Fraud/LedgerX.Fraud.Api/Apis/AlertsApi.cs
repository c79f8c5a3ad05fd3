using System.Security.Claims;
using LedgerX.Fraud.Api.Access;
using LedgerX.Fraud.Api.Infrastructure.Persistence;
using LedgerX.ServiceDefaults;
using LedgerX.ServiceDefaults.Apis;
using LedgerX.ServiceDefaults.Audit;
using LedgerX.ServiceDefaults.Auth;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace LedgerX.Fraud.Api.Apis;

/// <summary>
/// Alerts: list with filters (keyset paging, newest first), get one, acknowledge; in v1 and v2 from the same handlers.
/// Reading needs ledger:read and shows a customer only their own accounts' alerts (<see cref="CallerAccess"/>; someone
/// else's is 404, like an unknown id); acknowledging needs fraud:review, and the acknowledger is the token's subject.
/// </summary>
public static class AlertsApi
{
    public const int MaxPageSize = 200;
    public const int DefaultPageSize = 50;

    public static IEndpointRouteBuilder MapAlertsApi(this IEndpointRouteBuilder app)
    {
        MapVersion(app, ApiVersion.V1, AlertViews.V1);
        MapVersion(app, ApiVersion.V2, AlertViews.V2);
        return app;
    }

    private static void MapVersion<TAlert>(IEndpointRouteBuilder app, ApiVersion version, Func<AlertRow, bool, TAlert> view)
    {
        var alerts = version.Group(app, "/alerts", "Alerts");
        alerts.MapGet("/", ([AsParameters] ListQuery q, FraudDbContext db, ClaimsPrincipal caller, CancellationToken ct) => List(q, db, caller, view, ct))
            .WithName(version.EndpointName("ListAlerts")).WithSummary("Alerts, newest first, filtered by account, status and score")
            .ProducesValidationProblem().RequirePermission(Permissions.LedgerRead);
        alerts.MapGet("/{id:guid}", (Guid id, FraudDbContext db, ClaimsPrincipal caller, CancellationToken ct) => Get(id, db, caller, view, ct))
            .WithName(version.EndpointName("GetAlert")).WithSummary("An alert with its reasons and policy action")
            .ProducesProblem(StatusCodes.Status404NotFound).RequirePermission(Permissions.LedgerRead);
        alerts.MapPost("/{id:guid}/acknowledge", (Guid id, AcknowledgeAlertRequest request, [AsParameters] AcknowledgeServices s) => Acknowledge(id, request, s, view))
            .WithName(version.EndpointName("AcknowledgeAlert")).WithSummary("Mark an alert as reviewed (by the caller)")
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .RequirePermission(Permissions.FraudReview);
    }

    public sealed record ListQuery(
        [FromQuery] Guid? AccountId, [FromQuery] string? Status, [FromQuery] int? MinScore, [FromQuery] DateTimeOffset? Since,
        [FromQuery] Guid? After, [FromQuery] int? Limit);

    public sealed record AcknowledgeServices(FraudDbContext Db, TimeProvider Clock, HttpContext Http, CancellationToken Ct);

    /// <summary>Only the alerts the caller may see: for a customer, an <c>accountId</c> they do not own gives an empty page,
    /// as an account without alerts does.</summary>
    public static async Task<Results<Ok<Page<TAlert>>, ValidationProblem>> List<TAlert>(
        ListQuery q, FraudDbContext db, ClaimsPrincipal caller, Func<AlertRow, bool, TAlert> view, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(q);
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

        var query = db.AlertsVisibleTo(caller).AsNoTracking();
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
        var staff = caller.SeesEveryAccount();
        var items = rows.Take(size).Select(a => view(a, staff)).ToList();
        return TypedResults.Ok(new Page<TAlert>(items, rows.Count > size ? rows[size - 1].Id.ToString() : null));
    }

    public static async Task<Results<Ok<TAlert>, ProblemHttpResult>> Get<TAlert>(
        Guid id, FraudDbContext db, ClaimsPrincipal caller, Func<AlertRow, bool, TAlert> view, CancellationToken ct) =>
        await db.AlertsVisibleTo(caller).AsNoTracking().FirstOrDefaultAsync(a => a.Id == id, ct) is { } alert
            ? TypedResults.Ok(view(alert, caller.SeesEveryAccount()))
            : NotFound(id);

    /// <summary>Acknowledges an alert as the caller; the acknowledgement's audit event (same actor) commits with it.</summary>
    public static async Task<Results<Ok<TAlert>, ValidationProblem, ProblemHttpResult>> Acknowledge<TAlert>(
        Guid id, AcknowledgeAlertRequest request, AcknowledgeServices s, Func<AlertRow, bool, TAlert> view)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(s);
        if (request.Note is { Length: > 1000 })
        {
            return Problems.Validation("note", "The note is at most 1000 characters.");
        }
        var caller = s.Http.User;
        if (await s.Db.AlertsVisibleTo(caller).FirstOrDefaultAsync(a => a.Id == id, s.Ct) is not { } alert)
        {
            return NotFound(id);
        }
        if (alert.Status == AlertStatus.Acknowledged)
        {
            return Problems.Conflict("alert_already_acknowledged", $"Alert {id} was acknowledged by {alert.AcknowledgedBy} at {alert.AcknowledgedAt:O}.");
        }
        var actor = AuditCaller.Of(s.Http);
        alert.Status = AlertStatus.Acknowledged;
        alert.AcknowledgedAt = s.Clock.GetUtcNow();
        alert.AcknowledgedBy = actor.Id;
        alert.AcknowledgementNote = request.Note;
        var details = new Dictionary<string, string> { ["acknowledgedBy"] = actor.Id, ["accountId"] = alert.AccountId.ToString() };
        if (request.Note is { Length: > 0 } note)
        {
            details["note"] = AuditCaller.Detail(note);
        }
        s.Db.AddAuditEvent(AuditRecorded.Create(s.Clock, Events.Components.FraudService, actor, AuditActions.AlertAcknowledged,
            AuditOutcomes.Succeeded, new AuditSubject("alert", id.ToString()), details));
        await s.Db.SaveChangesAsync(s.Ct);
        return TypedResults.Ok(view(alert, caller.SeesEveryAccount()));
    }

    /// <summary>The same answer for an alert that does not exist and one the caller may not see, so ids leak nothing.</summary>
    private static ProblemHttpResult NotFound(Guid id) => Problems.NotFound("alert_not_found", $"Alert {id} does not exist.");
}
