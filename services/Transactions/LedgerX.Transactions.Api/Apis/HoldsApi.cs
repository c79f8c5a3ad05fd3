using LedgerX.Transactions.Api.Infrastructure.Persistence;
using LedgerX.Transactions.Api.Ledger;
using LedgerX.Transactions.Domain;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace LedgerX.Transactions.Api.Apis;

/// <summary>Holds (two-phase transfers): reserve now, then post fully or partly, void, or let expire.</summary>
public static class HoldsApi
{
    public static IEndpointRouteBuilder MapHoldsApi(this IEndpointRouteBuilder app)
    {
        var holds = app.MapGroup("/api/v1/holds").WithTags("Holds");
        holds.MapPost("/", Create).WithName("CreateHold").WithSummary("Reserve funds for a later transfer")
            .Produces<HoldResponse>(StatusCodes.Status201Created).ProducesLedgerCommandProblems();
        holds.MapGet("/{id:guid}", Get).WithName("GetHold").WithSummary("A hold by id").ProducesProblem(StatusCodes.Status404NotFound);
        holds.MapPost("/{id:guid}/post", Post).WithName("PostHold").WithSummary("Post a hold fully or partly; the rest is released")
            .Produces<HoldResponse>().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesLedgerCommandProblems();
        holds.MapPost("/{id:guid}/void", Void).WithName("VoidHold").WithSummary("Release a hold without moving money")
            .Produces<HoldResponse>().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesLedgerCommandProblems();
        return app;
    }

    public static Task<IResult> Create(CreateHoldRequest request, HttpContext http, LedgerWriter writer, TimeProvider clock,
        IOptions<LedgerOptions> options, CancellationToken ct) =>
        LedgerSubmission.SubmitAsync(http, writer, request, r =>
        {
            // Stamped at arrival: the relative expiry is measured from here, however long the writer takes to get to it.
            var arrivedAt = clock.GetUtcNow();
            var money = RequestFields.Amount(r.Amount, RequestFields.Currency(r.Currency));
            var expiresIn = r.ExpiresInSeconds ?? options.Value.DefaultHoldExpirySeconds;
            if (expiresIn < 1 || expiresIn > options.Value.MaxHoldExpirySeconds)
            {
                throw new LedgerRuleException(LedgerError.Validation("expiresInSeconds",
                    $"A hold expires after 1 to {options.Value.MaxHoldExpirySeconds} seconds."));
            }
            return new CreateHold(new AccountId(RequestFields.Required(r.AccountId, "accountId")),
                new AccountId(RequestFields.Required(r.ToAccountId, "toAccountId")), money, arrivedAt.AddSeconds(expiresIn), r.Description,
                RequestedAt: arrivedAt);
        }, Responses.CreatedHold, ct);

    public static async Task<Results<Ok<HoldResponse>, ProblemHttpResult>> Get(Guid id, LedgerDbContext db, CancellationToken ct) =>
        await db.Holds.AsNoTracking().FirstOrDefaultAsync(h => h.Id == id, ct) is { } hold
            ? TypedResults.Ok(hold.ToResponse())
            : LedgerProblems.NotFound("hold", id);

    public static Task<IResult> Post(Guid id, PostHoldRequest? request, HttpContext http, LedgerWriter writer, CancellationToken ct) =>
        LedgerSubmission.SubmitAsync(http, writer, request ?? new PostHoldRequest(), r => new PostHold(new HoldId(id), r.Amount),
            Responses.HoldNow(new HoldId(id)), ct);

    /// <remarks>A client names no reversal, so a reversal saga's hold is refused here (409 hold_owned_by_reversal), as it
    /// is by <see cref="Post"/>: only the saga voids it or takes it.</remarks>
    public static Task<IResult> Void(Guid id, HttpContext http, LedgerWriter writer, CancellationToken ct) =>
        LedgerSubmission.SubmitAsync(http, writer, id, _ => new VoidHold(new HoldId(id)), Responses.HoldNow(new HoldId(id)), ct);
}
