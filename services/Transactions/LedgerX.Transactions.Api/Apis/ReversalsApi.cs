using System.Text.Json;
using LedgerX.ServiceDefaults.Auth;
using LedgerX.Transactions.Api.Access;
using LedgerX.Transactions.Api.Infrastructure.Persistence;
using LedgerX.Transactions.Api.Ledger;
using LedgerX.Transactions.Api.Reversals;
using LedgerX.Transactions.Domain;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace LedgerX.Transactions.Api.Apis;

/// <summary>Reversals: each request is recorded in the ledger (reversal.requested.v1) and carried out by a reversal
/// saga on Dapr Workflow whose instance id is the reversal id.</summary>
public static class ReversalsApi
{
    private const int MaxPageSize = 200;
    private const int DefaultPageSize = 50;

    public static IEndpointRouteBuilder MapReversalsApi(this IEndpointRouteBuilder app)
    {
        foreach (var version in ApiVersion.All)
        {
            Map(app.MapVersionGroup(version, "/reversals").WithTags("Reversals"), version);
        }
        return app;
    }

    private static void Map(RouteGroupBuilder reversals, ApiVersion version)
    {
        reversals.MapPost("/", Request).WithName(version.EndpointName("RequestReversal"))
            .WithSummary("Reverse a posted entry that debited one of the caller's accounts, fully or partly")
            .RequirePermission(Permissions.LedgerWrite)
            .ProducesIn<ReversalResponse, V2.ReversalResponse>(version, StatusCodes.Status202Accepted).ProducesLedgerCommandProblems()
            .WithDescription("Honours the Idempotency-Key header. Answers 202 with the reversal (its saga id) and a Location to follow it. " +
                             "The saga is scheduled right after the answer, or, if that cannot be done (the workflow engine away, the service stopped), by the reversal sweeper later.");
        reversals.MapGet("/{id:guid}", Get).WithName(version.EndpointName("GetReversal"))
            .WithSummary("A reversal: status, each step with outcome and timestamps, failure reason")
            .RequirePermission(Permissions.LedgerRead)
            .ProducesIn<ReversalResponse, V2.ReversalResponse>(version).ProducesProblem(StatusCodes.Status404NotFound);
        reversals.MapGet("/", List).WithName(version.EndpointName("ListReversals"))
            .WithSummary("Reversals touching the caller's accounts, by account and/or status, oldest first (keyset paging)")
            .RequirePermission(Permissions.LedgerRead)
            .ProducesIn<Page<ReversalResponse>, Page<V2.ReversalResponse>>(version).ProducesProblem(StatusCodes.Status400BadRequest);
        reversals.MapPost("/{id:guid}/approval", Approve).WithName(version.EndpointName("ApproveReversal"))
            .WithSummary("Approve or reject a reversal awaiting approval; the approver is the caller")
            .RequirePermission(Permissions.ReversalsApprove)
            .ProducesIn<ReversalResponse, V2.ReversalResponse>(version, StatusCodes.Status202Accepted).ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity).ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .WithDescription("Honours the Idempotency-Key header. Exactly one decision is recorded per reversal; a later or concurrent " +
                             "different decision is 409 reversal_already_decided.");
    }

    public static Task<IResult> Request(ReversalRequest request, LedgerCaller caller, ApiVersion version, HttpContext http, LedgerWriter writer,
        ReversalSagaStartQueue sagas, TimeProvider clock, IOptions<ReversalOptions> options, CancellationToken ct) =>
        LedgerSubmission.SubmitAsync(http, writer, caller, request, r =>
        {
            var entryId = RequestFields.Required(r.EntryId, "entryId");
            var reason = RequestFields.Required(r.Reason, "reason");
            return new RequestReversal(ReversalId.New(clock), new EntryId(entryId), r.Amount, reason,
                clock.GetUtcNow().AddDays(-options.Value.WindowDays), options.Value.Thresholds());
        }, Responses.AcceptedReversal(version), ct, (applied, token) => StartSagaAsync(sagas, version, applied, token));

    public static async Task<IResult> Get(Guid id, LedgerCaller caller, ApiVersion version, LedgerDbContext db, CancellationToken ct) =>
        await db.ReversalsOf(caller).FirstOrDefaultAsync(r => r.Id == id, ct) is { } reversal
            ? Representation.Ok(version.Of(reversal.ToResponse(caller)))
            : LedgerProblems.NotFound("reversal", id);

    public static async Task<IResult> List([FromQuery] Guid? accountId, [FromQuery] string? status, [FromQuery] Guid? after, [FromQuery] int? limit,
        LedgerCaller caller, ApiVersion version, LedgerDbContext db, CancellationToken ct)
    {
        if (status is not null && !ReversalStatus.All.Contains(status))
        {
            return LedgerProblems.From(LedgerError.Validation("status", $"The status must be one of {string.Join(", ", ReversalStatus.All)}."));
        }
        if (limit is < 1 or > MaxPageSize)
        {
            return LedgerProblems.From(LedgerError.Validation("limit", $"The limit must be between 1 and {MaxPageSize}."));
        }
        var size = limit ?? DefaultPageSize;
        var query = db.ReversalsOf(caller);
        if (accountId is { } account)
        {
            query = query.Where(r => r.AccountId == account || r.CounterpartyAccountId == account);
        }
        if (status is not null)
        {
            query = query.Where(r => r.Status == status);
        }
        if (after is { } cursor)
        {
            query = query.Where(r => r.Id.CompareTo(cursor) > 0);
        }
        var rows = await query.OrderBy(r => r.Id).Take(size + 1).ToListAsync(ct);
        var items = rows.Take(size).Select(r => r.ToResponse(caller)).ToList();
        return Representation.Ok(version.Of(new Page<ReversalResponse>(items, rows.Count > size ? items[^1].Id.ToString() : null)));
    }

    /// <summary>Approve or reject: the decision is recorded first (exactly one decision wins; see
    /// <see cref="ReversalApprovals"/>), then delivered to the saga within a bounded time. The approver is the caller.</summary>
    public static Task<IResult> Approve(Guid id, ApprovalRequest request, LedgerCaller caller, ApiVersion version, HttpContext http,
        ReversalApprovals approvals, CancellationToken ct) =>
        approvals.DecideAsync(id, request, caller, version, http, ct);

    /// <summary>Queues the start of the reversal's saga, named by the reversal id, and lets the 202 go (issue 19): the saga is
    /// scheduled in the background right after, and if that is lost (the process dies first, or the sidecar is away) the
    /// <see cref="ReversalSweeper"/> starts it once the reversal has been still for a while. A retried request (replayed)
    /// queues it again; its start asks the engine first and leaves a started saga be, so a reversal never runs twice. A
    /// reversal this request just created has no saga yet (its id is new), so only a replay's start asks.</summary>
    private static Task StartSagaAsync(ReversalSagaStartQueue sagas, ApiVersion version, WriteResult.Applied applied, CancellationToken ct) =>
        sagas.EnqueueAsync(version.MoneyAsObject
            ? JsonSerializer.Deserialize<V2.ReversalResponse>(applied.Response.Body, ApiJson.Options)!.ToV1()
            : JsonSerializer.Deserialize<ReversalResponse>(applied.Response.Body, ApiJson.Options)!, isNew: !applied.Replayed, ct);
}
