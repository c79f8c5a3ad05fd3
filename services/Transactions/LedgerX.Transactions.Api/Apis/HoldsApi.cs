using LedgerX.ServiceDefaults.Auth;
using LedgerX.Transactions.Api.Access;
using LedgerX.Transactions.Api.Infrastructure.Persistence;
using LedgerX.Transactions.Api.Ledger;
using LedgerX.Transactions.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace LedgerX.Transactions.Api.Apis;

/// <summary>Holds (two-phase transfers): reserve now, then post fully or partly, void, or let expire. A hold is the
/// payer's: only they (or staff) post or void it; the payee may read it.</summary>
public static class HoldsApi
{
    public static IEndpointRouteBuilder MapHoldsApi(this IEndpointRouteBuilder app)
    {
        foreach (var version in ApiVersion.All)
        {
            var holds = app.MapVersionGroup(version, "/holds").WithTags("Holds");
            holds.MapPostPerVersion(version, "/", Create, CreateV2).WithName(version.EndpointName("CreateHold"))
                .WithSummary("Reserve funds on one of the caller's accounts for a later transfer").RequirePermission(Permissions.LedgerWrite)
                .ProducesIn<HoldResponse, V2.HoldResponse>(version, StatusCodes.Status201Created).ProducesLedgerCommandProblems();
            holds.MapGet("/{id:guid}", Get).WithName(version.EndpointName("GetHold")).WithSummary("A hold by id").RequirePermission(Permissions.LedgerRead)
                .ProducesIn<HoldResponse, V2.HoldResponse>(version).ProducesProblem(StatusCodes.Status404NotFound);
            holds.MapPost("/{id:guid}/post", Post).WithName(version.EndpointName("PostHold")).WithSummary("Post a hold fully or partly; the rest is released")
                .RequirePermission(Permissions.LedgerWrite)
                .ProducesIn<HoldResponse, V2.HoldResponse>(version).ProducesProblem(StatusCodes.Status404NotFound)
                .ProducesProblem(StatusCodes.Status409Conflict).ProducesLedgerCommandProblems();
            holds.MapPost("/{id:guid}/void", Void).WithName(version.EndpointName("VoidHold")).WithSummary("Release a hold without moving money")
                .RequirePermission(Permissions.LedgerWrite)
                .ProducesIn<HoldResponse, V2.HoldResponse>(version).ProducesProblem(StatusCodes.Status404NotFound)
                .ProducesProblem(StatusCodes.Status409Conflict).ProducesLedgerCommandProblems();
        }
        return app;
    }

    public static Task<IResult> Create(CreateHoldRequest request, LedgerCaller caller, ApiVersion version, HttpContext http, LedgerWriter writer,
        TimeProvider clock, IOptions<LedgerOptions> options, CancellationToken ct) =>
        LedgerSubmission.SubmitAsync(http, writer, caller, request, r => NewHold(clock, options.Value, RequestFields.Amount(r.Amount, RequestFields.Currency(r.Currency)),
            r.AccountId, r.ToAccountId, r.ExpiresInSeconds, r.Description), Responses.CreatedHold(version), ct);

    public static Task<IResult> CreateV2(V2.CreateHoldRequest request, LedgerCaller caller, ApiVersion version, HttpContext http, LedgerWriter writer,
        TimeProvider clock, IOptions<LedgerOptions> options, CancellationToken ct) =>
        LedgerSubmission.SubmitAsync(http, writer, caller, request, r => NewHold(clock, options.Value, RequestFields.Amount(r.Amount),
            r.AccountId, r.ToAccountId, r.ExpiresInSeconds, r.Description), Responses.CreatedHold(version), ct);

    public static async Task<IResult> Get(Guid id, LedgerCaller caller, ApiVersion version, LedgerDbContext db, CancellationToken ct) =>
        await db.HoldsOf(caller).FirstOrDefaultAsync(h => h.Id == id, ct) is { } hold
            ? Representation.Ok(version.Of(hold.ToResponse()))
            : LedgerProblems.NotFound("hold", id);

    public static Task<IResult> Post(Guid id, PostHoldRequest? request, LedgerCaller caller, ApiVersion version, HttpContext http, LedgerWriter writer,
        CancellationToken ct) =>
        LedgerSubmission.SubmitAsync(http, writer, caller, request ?? new PostHoldRequest(), r => new PostHold(new HoldId(id), r.Amount),
            Responses.HoldNow(new HoldId(id), version), ct);

    /// <remarks>A client names no reversal, so a reversal saga's hold is refused here (409 hold_owned_by_reversal), as it
    /// is by <see cref="Post"/>: only the saga voids it or takes it.</remarks>
    public static Task<IResult> Void(Guid id, LedgerCaller caller, ApiVersion version, HttpContext http, LedgerWriter writer, CancellationToken ct) =>
        LedgerSubmission.SubmitAsync(http, writer, caller, id, _ => new VoidHold(new HoldId(id)), Responses.HoldNow(new HoldId(id), version), ct);

    private static CreateHold NewHold(TimeProvider clock, LedgerOptions options, Money money, Guid? accountId, Guid? toAccountId, int? expiresInSeconds,
        string? description)
    {
        // Stamped at arrival: the relative expiry is measured from here, however long the writer takes to get to it.
        var arrivedAt = clock.GetUtcNow();
        var expiresIn = expiresInSeconds ?? options.DefaultHoldExpirySeconds;
        if (expiresIn < 1 || expiresIn > options.MaxHoldExpirySeconds)
        {
            throw new LedgerRuleException(LedgerError.Validation("expiresInSeconds", $"A hold expires after 1 to {options.MaxHoldExpirySeconds} seconds."));
        }
        return new CreateHold(new AccountId(RequestFields.Required(accountId, "accountId")), new AccountId(RequestFields.Required(toAccountId, "toAccountId")),
            money, arrivedAt.AddSeconds(expiresIn), description, RequestedAt: arrivedAt);
    }
}
