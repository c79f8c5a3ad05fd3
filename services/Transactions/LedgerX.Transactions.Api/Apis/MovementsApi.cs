using LedgerX.Transactions.Api.Infrastructure.Persistence;
using LedgerX.Transactions.Api.Ledger;
using LedgerX.Transactions.Domain;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace LedgerX.Transactions.Api.Apis;

/// <summary>Money movements: deposits, withdrawals, transfers and general journal entries. All of them post one
/// balanced journal entry; all honour Idempotency-Key.</summary>
public static class MovementsApi
{
    public static IEndpointRouteBuilder MapMovementsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1").WithTags("Movements");
        api.MapPost("/deposits", Deposit).WithName("Deposit").WithSummary("Money enters the ledger into an account").WithMoneyMovementMetadata();
        api.MapPost("/withdrawals", Withdraw).WithName("Withdraw").WithSummary("Money leaves the ledger from an account").WithMoneyMovementMetadata();
        api.MapPost("/transfers", Transfer).WithName("Transfer").WithSummary("Move money between two accounts").WithMoneyMovementMetadata();
        api.MapPost("/entries", PostEntry).WithName("PostJournalEntry").WithSummary("Post a balanced multi-posting journal entry").WithMoneyMovementMetadata();
        api.MapGet("/entries/{id:guid}", GetEntry).WithName("GetEntry").WithSummary("A journal entry by id").ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    public static Task<IResult> Deposit(MovementRequest request, HttpContext http, LedgerWriter writer, CancellationToken ct) =>
        LedgerSubmission.SubmitAsync(http, writer, request, r => Movement(EntryKind.Deposit, r), Responses.PostedEntry, ct);

    public static Task<IResult> Withdraw(MovementRequest request, HttpContext http, LedgerWriter writer, CancellationToken ct) =>
        LedgerSubmission.SubmitAsync(http, writer, request, r => Movement(EntryKind.Withdrawal, r), Responses.PostedEntry, ct);

    public static Task<IResult> Transfer(TransferRequest request, HttpContext http, LedgerWriter writer, CancellationToken ct) =>
        LedgerSubmission.SubmitAsync(http, writer, request, r =>
        {
            var money = RequestFields.Amount(r.Amount, RequestFields.Currency(r.Currency));
            var from = RequestFields.Required(r.FromAccountId, "fromAccountId");
            var to = RequestFields.Required(r.ToAccountId, "toAccountId");
            if (from == to)
            {
                throw new LedgerRuleException(LedgerError.Validation("toAccountId", "A transfer needs two different accounts."));
            }
            return new PostEntry(EntryKind.Transfer,
                [new(new AccountId(from), Direction.Debit, money, "fromAccountId"), new(new AccountId(to), Direction.Credit, money, "toAccountId")],
                RequestFields.Details(r.Description, r.Category, r.Metadata));
        }, Responses.PostedEntry, ct);

    public static Task<IResult> PostEntry(JournalEntryRequest request, HttpContext http, LedgerWriter writer, CancellationToken ct) =>
        LedgerSubmission.SubmitAsync(http, writer, request, r =>
        {
            var inputs = r.Postings ?? throw new LedgerRuleException(LedgerError.Validation("postings", "The postings field is required."));
            if (inputs.Count > Domain.PostEntry.MaxPostings)
            {
                throw new LedgerRuleException(LedgerError.Validation("postings", $"A journal entry has at most {Domain.PostEntry.MaxPostings} postings."));
            }
            var postings = inputs.Select((p, i) =>
            {
                var field = $"postings[{i}]";
                var currency = RequestFields.Currency(p.Currency, $"{field}.currency");
                return new PostingRequest(new AccountId(RequestFields.Required(p.AccountId, $"{field}.accountId")),
                    RequestFields.Direction(p.Direction, $"{field}.direction"), RequestFields.Amount(p.Amount, currency, $"{field}.amount"), $"{field}.accountId");
            }).ToList();
            return new PostEntry(EntryKind.Journal, postings, RequestFields.Details(r.Description, r.Category, r.Metadata));
        }, Responses.PostedEntry, ct);

    public static async Task<Results<Ok<EntryResponse>, ProblemHttpResult>> GetEntry(Guid id, LedgerDbContext db, CancellationToken ct) =>
        await db.JournalEntries.AsNoTracking().Include(e => e.Postings).FirstOrDefaultAsync(e => e.Id == id, ct) is { } entry
            ? TypedResults.Ok(entry.ToResponse())
            : LedgerProblems.NotFound("entry", id);

    /// <summary>A deposit credits the account and debits the currency's world account; a withdrawal the reverse.</summary>
    private static PostEntry Movement(EntryKind kind, MovementRequest r)
    {
        var money = RequestFields.Amount(r.Amount, RequestFields.Currency(r.Currency));
        var account = new AccountId(RequestFields.Required(r.AccountId, "accountId"));
        var (world, customer) = kind == EntryKind.Deposit ? (Direction.Debit, Direction.Credit) : (Direction.Credit, Direction.Debit);
        return new PostEntry(kind, [new(null, world, money, "currency"), new(account, customer, money, "accountId")],
            RequestFields.Details(r.Description, r.Category, r.Metadata));
    }

    private static RouteHandlerBuilder WithMoneyMovementMetadata(this RouteHandlerBuilder endpoint) => endpoint
        .Produces<EntryResponse>(StatusCodes.Status201Created)
        .ProducesLedgerCommandProblems()
        .WithDescription("Honours the Idempotency-Key header: a retry with the same key and body returns the first response " +
                         "(with Idempotent-Replayed: true); the same key with a different body is refused with 422.");
}
