using System.Text.Json;
using LedgerX.Transactions.Api.Infrastructure.Persistence;
using LedgerX.Transactions.Api.Ledger;
using LedgerX.Transactions.Api.Reversals;
using LedgerX.Transactions.Domain;
using Microsoft.AspNetCore.Http.HttpResults;
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
        var reversals = app.MapGroup("/api/v1/reversals").WithTags("Reversals");
        reversals.MapPost("/", Request).WithName("RequestReversal").WithSummary("Reverse a posted entry, fully or partly")
            .Produces<ReversalResponse>(StatusCodes.Status202Accepted).ProducesLedgerCommandProblems()
            .WithDescription("Honours the Idempotency-Key header. Answers 202 with the reversal (its saga id) and a Location to follow it. " +
                             "The saga starts at once, or, if the workflow engine cannot be reached within a few seconds, by the reversal sweeper later.");
        reversals.MapGet("/{id:guid}", Get).WithName("GetReversal").WithSummary("A reversal: status, each step with outcome and timestamps, failure reason")
            .ProducesProblem(StatusCodes.Status404NotFound);
        reversals.MapGet("/", List).WithName("ListReversals").WithSummary("Reversals by account and/or status, oldest first (keyset paging)");
        reversals.MapPost("/{id:guid}/approval", Approve).WithName("ApproveReversal").WithSummary("Approve or reject a reversal awaiting approval (admin)")
            .Produces<ReversalResponse>(StatusCodes.Status202Accepted).ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .WithDescription("Honours the Idempotency-Key header. Exactly one decision is recorded per reversal; a later or concurrent " +
                             "different decision is 409 reversal_already_decided.");
        return app;
    }

    public static Task<IResult> Request(ReversalRequest request, HttpContext http, LedgerWriter writer, ReversalSagaClient sagas, TimeProvider clock,
        IOptions<ReversalOptions> options, CancellationToken ct) =>
        LedgerSubmission.SubmitAsync(http, writer, request, r =>
        {
            var entryId = RequestFields.Required(r.EntryId, "entryId");
            var reason = RequestFields.Required(r.Reason, "reason");
            return new RequestReversal(ReversalId.New(clock), new EntryId(entryId), r.Amount, reason,
                clock.GetUtcNow().AddDays(-options.Value.WindowDays), options.Value.Thresholds());
        }, Responses.AcceptedReversal, ct, (response, token) => StartSagaAsync(sagas, response, token));

    public static async Task<Results<Ok<ReversalResponse>, ProblemHttpResult>> Get(Guid id, LedgerDbContext db, CancellationToken ct) =>
        await db.Reversals.AsNoTracking().FirstOrDefaultAsync(r => r.Id == id, ct) is { } reversal
            ? TypedResults.Ok(reversal.ToResponse())
            : LedgerProblems.NotFound("reversal", id);

    public static async Task<Results<Ok<Page<ReversalResponse>>, ProblemHttpResult>> List([FromQuery] Guid? accountId, [FromQuery] string? status,
        [FromQuery] Guid? after, [FromQuery] int? limit, LedgerDbContext db, CancellationToken ct)
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
        var query = db.Reversals.AsNoTracking();
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
        var items = rows.Take(size).Select(r => r.ToResponse()).ToList();
        return TypedResults.Ok(new Page<ReversalResponse>(items, rows.Count > size ? items[^1].Id.ToString() : null));
    }

    /// <summary>Approve or reject: the decision is recorded first (exactly one decision wins; see
    /// <see cref="ReversalApprovals"/>), then delivered to the saga within a bounded time.</summary>
    public static Task<IResult> Approve(Guid id, ApprovalRequest request, HttpContext http, ReversalApprovals approvals, CancellationToken ct) =>
        approvals.DecideAsync(id, request, http, ct);

    /// <summary>Starts the reversal's saga, named by the reversal id; a retried request finds it started and leaves it be,
    /// so a reversal never runs twice. The call is bounded (<see cref="ReversalOptions.SidecarCallTimeoutMs"/>): with the
    /// sidecar away the client still gets its 202 at once (the reversal is committed, status pending), and the
    /// <see cref="ReversalSweeper"/> starts the saga once the sidecar is back.</summary>
    private static async Task StartSagaAsync(ReversalSagaClient sagas, StoredResponse response, CancellationToken ct) =>
        await sagas.TryStartAsync(JsonSerializer.Deserialize<ReversalResponse>(response.Body, ApiJson.Options)!, ct);
}
