using System.Text.Json;
using Dapr.Workflow;
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
    private const int MaxApproverLength = 128;

    public static IEndpointRouteBuilder MapReversalsApi(this IEndpointRouteBuilder app)
    {
        var reversals = app.MapGroup("/api/v1/reversals").WithTags("Reversals");
        reversals.MapPost("/", Request).WithName("RequestReversal").WithSummary("Reverse a posted entry, fully or partly")
            .Produces<ReversalResponse>(StatusCodes.Status202Accepted).ProducesLedgerCommandProblems()
            .WithDescription("Honours the Idempotency-Key header. Answers 202 with the reversal (its saga id) and a Location to follow it.");
        reversals.MapGet("/{id:guid}", Get).WithName("GetReversal").WithSummary("A reversal: status, each step with outcome and timestamps, failure reason")
            .ProducesProblem(StatusCodes.Status404NotFound);
        reversals.MapGet("/", List).WithName("ListReversals").WithSummary("Reversals by account and/or status, oldest first (keyset paging)");
        reversals.MapPost("/{id:guid}/approval", Approve).WithName("ApproveReversal").WithSummary("Approve or reject a reversal awaiting approval (admin)")
            .Produces<ReversalResponse>(StatusCodes.Status202Accepted).ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return app;
    }

    public static Task<IResult> Request(ReversalRequest request, HttpContext http, LedgerWriter writer, DaprWorkflowClient workflows, TimeProvider clock,
        IOptions<ReversalOptions> options, CancellationToken ct) =>
        LedgerSubmission.SubmitAsync(http, writer, request, r =>
        {
            var entryId = RequestFields.Required(r.EntryId, "entryId");
            var reason = RequestFields.Required(r.Reason, "reason");
            return new RequestReversal(ReversalId.New(clock), new EntryId(entryId), r.Amount, reason,
                clock.GetUtcNow().AddDays(-options.Value.WindowDays), options.Value.ApprovalThreshold);
        }, Responses.AcceptedReversal, ct, (response, token) => StartSagaAsync(workflows, options.Value, response, token));

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

    public static async Task<Results<Accepted<ReversalResponse>, ProblemHttpResult>> Approve(Guid id, ApprovalRequest request, LedgerDbContext db,
        DaprWorkflowClient workflows, CancellationToken ct)
    {
        if (request.Approved is not { } approved)
        {
            return LedgerProblems.From(LedgerError.Validation("approved", "The approved field is required."));
        }
        if (string.IsNullOrWhiteSpace(request.By) || request.By.Length > MaxApproverLength)
        {
            return LedgerProblems.From(LedgerError.Validation("by", $"Who decides (by) must be 1 to {MaxApproverLength} characters."));
        }
        if (await db.Reversals.AsNoTracking().FirstOrDefaultAsync(r => r.Id == id, ct) is not { } reversal)
        {
            return LedgerProblems.NotFound("reversal", id);
        }
        if (reversal.Status != ReversalStatus.AwaitingApproval)
        {
            return LedgerProblems.From(LedgerError.Conflict("reversal_not_awaiting_approval", $"Reversal {id} is {reversal.Status}, not awaiting approval."));
        }
        try
        {
            await workflows.RaiseEventAsync(id.ToString(), ReversalWorkflow.ApprovalEvent, new ApprovalDecision(approved, request.By), ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return ServiceDefaults.Problems.Problem(StatusCodes.Status503ServiceUnavailable, "workflow_unavailable", $"The decision could not be delivered: {ex.Message}");
        }
        return TypedResults.Accepted($"/api/v1/reversals/{id}", reversal.ToResponse());
    }

    /// <summary>Starts the reversal's saga, named by the reversal id. A retried request finds it started and leaves it be,
    /// so a reversal never runs twice; one whose saga could not be started is answered 503 and starts on the retry.</summary>
    private static async Task StartSagaAsync(DaprWorkflowClient workflows, ReversalOptions options, StoredResponse response, CancellationToken ct)
    {
        var r = JsonSerializer.Deserialize<ReversalResponse>(response.Body, ApiJson.Options)!;
        var instanceId = r.Id.ToString();
        try
        {
            var existing = await workflows.GetWorkflowStateAsync(instanceId, getInputsAndOutputs: false, ct);
            if (existing is { Exists: true })
            {
                return;
            }
            await workflows.ScheduleNewWorkflowAsync(ReversalWorkflow.Name, instanceId,
                new ReversalInput(r.Id, r.EntryId, r.AccountId, r.CounterpartyAccountId, r.Amount, r.Currency, r.Reason, r.RequiresApproval,
                    options.ApprovalTimeoutMs, options.ShortfallPolicy, options.RecoveryAccountId, options.StepAttempts, options.StepRetryFirstIntervalMs),
                startTime: null, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new FollowUpUnavailableException($"Reversal {r.Id} is recorded but its saga could not be started ({ex.Message}); retry with the same Idempotency-Key.", ex);
        }
    }
}
