using System.Text.RegularExpressions;
using LedgerX.Auth.Audit.Chain;
using LedgerX.Auth.Audit.Persistence;
using LedgerX.ServiceDefaults;
using LedgerX.ServiceDefaults.Audit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;

namespace LedgerX.Auth.Audit.Apis;

/// <summary>
/// The auditors' API: query the log (filters, keyset pages by sequence), read one record, verify the chain. Every
/// route requires <see cref="AuditLogAuthorization.ReadPolicy"/> (permission audit:read): 401 without a token, 403
/// without the scope.
/// </summary>
public static partial class AuditEventsApi
{
    public const int MaxPageSize = 200;
    public const int DefaultPageSize = 50;
    public const string Route = "/api/v1/audit";

    public static IEndpointRouteBuilder MapAuditEventsApi(this IEndpointRouteBuilder app)
    {
        var audit = app.MapGroup(Route).WithTags("Audit log").RequireAuthorization(AuditLogAuthorization.ReadPolicy)
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden);
        audit.MapGet("/events", List).WithName("ListAuditEvents")
            .WithSummary("Audit records in log order (or newest first), filtered by actor, action, subject, time and outcome")
            .ProducesValidationProblem();
        audit.MapGet("/events/{sequence:long}", Get).WithName("GetAuditEvent").WithSummary("One audit record with its chain hashes")
            .ProducesProblem(StatusCodes.Status404NotFound);
        audit.MapPost("/verify", Verify).WithName("VerifyAuditLog")
            .WithSummary("Recompute the hash chain: ok with the head, or the first broken record and why (itself audited)");
        return app;
    }

    /// <summary>Filters; all optional. <c>action</c> is exact (<c>auth.sign_in.failed</c>) or a prefix (<c>auth.*</c>);
    /// <c>from</c> is inclusive and <c>to</c> exclusive, on <c>occurredAt</c>; <c>order</c> is asc (default) or desc.</summary>
    public sealed record ListQuery(
        [FromQuery] string? ActorType, [FromQuery] string? ActorId, [FromQuery] string? Action, [FromQuery] string? SubjectType,
        [FromQuery] string? SubjectId, [FromQuery] DateTimeOffset? From, [FromQuery] DateTimeOffset? To, [FromQuery] string? Outcome,
        [FromQuery] string? Order, [FromQuery] int? Limit, [FromQuery] string? Cursor);

    public static async Task<Results<Ok<AuditEventPage>, ValidationProblem>> List([AsParameters] ListQuery q, AuditLogDbContext db, CancellationToken ct)
    {
        if (Validate(q) is { } problem)
        {
            return problem;
        }
        var descending = q.Order == "desc";
        var size = q.Limit ?? DefaultPageSize;
        var query = db.Records.AsNoTracking();
        if (q.ActorType is { } actorType)
        {
            query = query.Where(r => r.ActorType == actorType);
        }
        if (q.ActorId is { } actorId)
        {
            query = query.Where(r => r.ActorId == actorId);
        }
        if (q.Action is { } action)
        {
            if (action.EndsWith(".*", StringComparison.Ordinal))
            {
                var prefix = action[..^1];
                query = query.Where(r => r.Action.StartsWith(prefix));
            }
            else
            {
                query = query.Where(r => r.Action == action);
            }
        }
        if (q.SubjectType is { } subjectType)
        {
            query = query.Where(r => r.SubjectType == subjectType);
        }
        if (q.SubjectId is { } subjectId)
        {
            query = query.Where(r => r.SubjectId == subjectId);
        }
        if (q.From is { } from)
        {
            query = query.Where(r => r.OccurredAt >= from);
        }
        if (q.To is { } to)
        {
            query = query.Where(r => r.OccurredAt < to);
        }
        if (q.Outcome is { } outcome)
        {
            query = query.Where(r => r.Outcome == outcome);
        }
        if (q.Cursor is not null && AuditCursor.Decode(q.Cursor) is { } cursor)
        {
            var last = cursor.LastSequence;
            query = descending ? query.Where(r => r.Sequence < last) : query.Where(r => r.Sequence > last);
        }
        query = descending ? query.OrderByDescending(r => r.Sequence) : query.OrderBy(r => r.Sequence);
        var rows = await query.Take(size + 1).ToListAsync(ct);
        var items = rows.Take(size).Select(ToResponse).ToList();
        return TypedResults.Ok(new AuditEventPage(items, rows.Count > size ? AuditCursor.Encode(descending, items[^1].Sequence) : null));
    }

    public static async Task<Results<Ok<AuditEventResponse>, ProblemHttpResult>> Get(long sequence, AuditLogDbContext db, CancellationToken ct) =>
        await db.Records.AsNoTracking().FirstOrDefaultAsync(r => r.Sequence == sequence, ct) is { } record
            ? TypedResults.Ok(ToResponse(record))
            : Problems.NotFound("audit_event_not_found", $"The audit log has no record {sequence}.");

    /// <summary>Verifies, then appends its own audit record straight to the log (auth-service owns the log, so no outbox):
    /// who verified, and what they were told.</summary>
    public static async Task<Ok<VerifyResponse>> Verify(
        HttpContext http, AuditLogVerifier verifier, AuditLogAppender appender, AuditLogSettings settings, TimeProvider clock, CancellationToken ct)
    {
        var report = await verifier.VerifyAsync(ct);
        var details = new Dictionary<string, string>
        {
            ["result"] = report.Ok ? "intact" : "broken",
            ["count"] = report.Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["headHash"] = report.HeadHash,
        };
        if (report.FirstBreak is { } broken)
        {
            details["brokenSequence"] = broken.Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture);
            details["reason"] = broken.Reason;
        }
        await appender.AppendAsync(AuditRecorded.Create(clock, settings.Source, AuditActor.From(http.User), AuditActions.AuditLogVerified,
            AuditOutcomes.Succeeded, new AuditSubject("audit_log", settings.Source), details), ct);
        return TypedResults.Ok(new VerifyResponse(report.Ok, report.Count, report.HeadSequence, report.HeadHash,
            report.FirstBreak is { } b ? new ChainBreakResponse(b.Sequence, b.Reason, b.Detail) : null));
    }

    internal static AuditEventResponse ToResponse(AuditRecordRow r) => new(
        r.Sequence, r.EventId, r.OccurredAt, r.RecordedAt, r.Source, new AuditActorResponse(r.ActorType, r.ActorId), r.Action,
        r.SubjectType is { } type && r.SubjectId is { } id ? new AuditSubjectResponse(type, id) : null, r.Outcome, AuditChain.ParseDetails(r.Details),
        r.TraceId, AuditChain.Hex(r.PreviousHash), AuditChain.Hex(r.Hash));

    private static ValidationProblem? Validate(ListQuery q)
    {
        if (q.Limit is < 1 or > MaxPageSize)
        {
            return Problems.Validation("limit", $"The limit must be between 1 and {MaxPageSize}.");
        }
        if (q.ActorType is { } actorType && !AuditRecordedRules.ActorTypes.Contains(actorType))
        {
            return Problems.Validation("actorType", $"The actorType must be one of {string.Join(", ", AuditRecordedRules.ActorTypes)}.");
        }
        if (q.ActorId is { Length: 0 or > AuditRecordedRules.MaxActorIdLength })
        {
            return Problems.Validation("actorId", $"The actorId is 1 to {AuditRecordedRules.MaxActorIdLength} characters.");
        }
        if (q.Action is { } action && (action.Length > AuditRecordedRules.MaxActionLength || !ActionFilter().IsMatch(action)))
        {
            return Problems.Validation("action", "The action is an exact action (auth.sign_in.failed) or a prefix ending in .* (auth.*).");
        }
        if (q.SubjectType is { Length: 0 or > AuditRecordedRules.MaxSubjectTypeLength })
        {
            return Problems.Validation("subjectType", $"The subjectType is 1 to {AuditRecordedRules.MaxSubjectTypeLength} characters.");
        }
        if (q.SubjectId is { Length: 0 or > AuditRecordedRules.MaxSubjectIdLength })
        {
            return Problems.Validation("subjectId", $"The subjectId is 1 to {AuditRecordedRules.MaxSubjectIdLength} characters.");
        }
        if (q.From is { } from && q.To is { } to && to < from)
        {
            return Problems.Validation("to", "The end of the period (to) must not be before its start (from).");
        }
        if (q.Outcome is { } outcome && !AuditRecordedRules.Outcomes.Contains(outcome))
        {
            return Problems.Validation("outcome", $"The outcome must be one of {string.Join(", ", AuditRecordedRules.Outcomes)}.");
        }
        if (q.Order is not (null or "asc" or "desc"))
        {
            return Problems.Validation("order", "The order is asc (log order, the default) or desc (newest first).");
        }
        if (q.Cursor is { } cursor && (AuditCursor.Decode(cursor) is not { } decoded || decoded.Descending != (q.Order == "desc")))
        {
            return Problems.Validation("cursor", "The cursor is not one this API issued for this order; pass back the 'next' of the previous page.");
        }
        return null;
    }

    // An exact action, or a prefix of whole words followed by .* ("auth.*", "auth.token.*").
    [GeneratedRegex(@"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*(\.\*)?\z", RegexOptions.CultureInvariant)]
    private static partial Regex ActionFilter();
}
