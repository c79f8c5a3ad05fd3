using System.Globalization;
using System.Text.Json;
using LedgerX.ServiceDefaults.Audit;
using LedgerX.ServiceDefaults.Auth;
using LedgerX.Transactions.Api.Infrastructure.Persistence;
using LedgerX.Transactions.Api.Ledger;
using LedgerX.Transactions.Domain;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace LedgerX.Transactions.Api.Apis;

/// <summary>The ledger as a whole: verification, and the event log in pages (what read models rebuild from).</summary>
public static class LedgerLogApi
{
    public const int MaxEventsPage = 1000;

    public static IEndpointRouteBuilder MapLedgerLogApi(this IEndpointRouteBuilder app)
    {
        foreach (var version in ApiVersion.All)
        {
            var ledger = app.MapVersionGroup(version, "/ledger").WithTags("Ledger");
            ledger.MapGet("/verify", Verify).WithName(version.EndpointName("VerifyLedger"))
                .WithSummary("Recompute every balance from the event log and check the hash chain; reports the first discrepancy")
                .RequirePermission(Permissions.LedgerVerify);
            ledger.MapGet("/events", Events).WithName(version.EndpointName("ListLedgerEvents"))
                .WithSummary("The event log in sequence order, paged by sequence (every account's events: an export)")
                .RequirePermission(Permissions.LedgerVerify);
        }
        return app;
    }

    /// <summary>Verifies, then audits who verified and what they were told, in a small transaction of its own (the
    /// verification itself only reads).</summary>
    public static async Task<Ok<VerifyReport>> Verify(LedgerVerifier verifier, HttpContext http, LedgerDbContext db, TimeProvider clock, CancellationToken ct)
    {
        var report = await verifier.VerifyAsync(ct);
        var details = new Dictionary<string, string>
        {
            ["result"] = report.Ok ? "ok" : "discrepancies",
            ["eventsChecked"] = report.EventsChecked.ToString(CultureInfo.InvariantCulture),
            ["discrepancies"] = report.DiscrepancyCount.ToString(CultureInfo.InvariantCulture),
        };
        if (report.FirstDiscrepancy is { } first)
        {
            details["firstDiscrepancy"] = first.Kind;
        }
        db.AddAuditEvent(LedgerAudit.Succeeded(http, clock, AuditActions.LedgerVerified, new AuditSubject("ledger", LedgerAudit.Source), details));
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(report);
    }

    /// <summary>A page of the event log. An export is audited when it starts (the page from the beginning, no
    /// <c>after</c>): one event per export, not one per page of a rebuild that reads thousands of them.</summary>
    public static async Task<Results<Ok<Page<LogEvent>>, ProblemHttpResult>> Events(
        [FromQuery] long? after, [FromQuery] int? limit, LedgerDbContext db, HttpContext http, TimeProvider clock, CancellationToken ct)
    {
        var size = limit ?? 100;
        if (size is < 1 or > MaxEventsPage)
        {
            return LedgerProblems.From(LedgerError.Validation("limit", $"The limit must be between 1 and {MaxEventsPage}."));
        }
        if (after is < 0)
        {
            return LedgerProblems.From(LedgerError.Validation("after", "The cursor is a sequence number, 0 or more."));
        }
        var from = after ?? 0;
        var rows = await db.EventLog.AsNoTracking().Where(e => e.Sequence > from).OrderBy(e => e.Sequence).Take(size + 1).ToListAsync(ct);
        if (from == 0)
        {
            db.AddAuditEvent(LedgerAudit.Succeeded(http, clock, AuditActions.EventLogExported, new AuditSubject("ledger", LedgerAudit.Source),
                new Dictionary<string, string> { ["limit"] = size.ToString(CultureInfo.InvariantCulture) }));
            await db.SaveChangesAsync(ct);
        }
        var items = rows.Take(size).Select(e => new LogEvent(e.Sequence, e.EventId, e.Type, e.OccurredAt,
            JsonSerializer.Deserialize<JsonElement>(e.Payload), Convert.ToHexStringLower(e.Hash))).ToList();
        return TypedResults.Ok(new Page<LogEvent>(items, rows.Count > size ? items[^1].Sequence.ToString() : null));
    }
}
