using LedgerX.ServiceDefaults.Auth;
using LedgerX.Transactions.Api.Access;
using LedgerX.Transactions.Api.Infrastructure.Persistence;
using LedgerX.Transactions.Api.Ledger;
using LedgerX.Transactions.Domain;
using Microsoft.EntityFrameworkCore;

namespace LedgerX.Transactions.Api.Apis;

/// <summary>Money movements: deposits, withdrawals, transfers and general journal entries. All of them post one
/// balanced journal entry; all honour Idempotency-Key. v1 and v2 differ only in how a request writes money, so each
/// version has its own thin handler that reads the body into the same command.</summary>
public static class MovementsApi
{
    public static IEndpointRouteBuilder MapMovementsApi(this IEndpointRouteBuilder app)
    {
        foreach (var version in ApiVersion.All)
        {
            var api = app.MapVersionGroup(version).WithTags("Movements");
            api.MapPostPerVersion(version, "/deposits", Deposit, DepositV2).WithName(version.EndpointName("Deposit"))
                .WithSummary("Money enters the ledger into an account").RequirePermission(Permissions.LedgerFund).WithMoneyMovementMetadata(version);
            api.MapPostPerVersion(version, "/withdrawals", Withdraw, WithdrawV2).WithName(version.EndpointName("Withdraw"))
                .WithSummary("Money leaves the ledger from an account").RequirePermission(Permissions.LedgerFund).WithMoneyMovementMetadata(version);
            api.MapPostPerVersion(version, "/transfers", Transfer, TransferV2).WithName(version.EndpointName("Transfer"))
                .WithSummary("Move money from one of the caller's accounts to any account").RequirePermission(Permissions.LedgerWrite)
                .WithMoneyMovementMetadata(version);
            api.MapPostPerVersion(version, "/entries", PostEntry, PostEntryV2).WithName(version.EndpointName("PostJournalEntry"))
                .WithSummary("Post a balanced multi-posting journal entry (debits only from the caller's accounts)").RequirePermission(Permissions.LedgerWrite)
                .WithMoneyMovementMetadata(version);
            api.MapGet("/entries/{id:guid}", GetEntry).WithName(version.EndpointName("GetEntry")).WithSummary("A journal entry by id")
                .RequirePermission(Permissions.LedgerRead)
                .ProducesIn<EntryResponse, V2.EntryResponse>(version).ProducesProblem(StatusCodes.Status404NotFound);
        }
        return app;
    }

    public static Task<IResult> Deposit(MovementRequest request, LedgerCaller caller, ApiVersion version, HttpContext http, LedgerWriter writer,
        CancellationToken ct) =>
        Submit(http, writer, caller, version, request, r => Movement(EntryKind.Deposit, r.AccountId, RequestFields.Amount(r.Amount, RequestFields.Currency(r.Currency)),
            r.Description, r.Category, r.Metadata), ct);

    public static Task<IResult> DepositV2(V2.MovementRequest request, LedgerCaller caller, ApiVersion version, HttpContext http, LedgerWriter writer,
        CancellationToken ct) =>
        Submit(http, writer, caller, version, request, r => Movement(EntryKind.Deposit, r.AccountId, RequestFields.Amount(r.Amount),
            r.Description, r.Category, r.Metadata), ct);

    public static Task<IResult> Withdraw(MovementRequest request, LedgerCaller caller, ApiVersion version, HttpContext http, LedgerWriter writer,
        CancellationToken ct) =>
        Submit(http, writer, caller, version, request, r => Movement(EntryKind.Withdrawal, r.AccountId,
            RequestFields.Amount(r.Amount, RequestFields.Currency(r.Currency)), r.Description, r.Category, r.Metadata), ct);

    public static Task<IResult> WithdrawV2(V2.MovementRequest request, LedgerCaller caller, ApiVersion version, HttpContext http, LedgerWriter writer,
        CancellationToken ct) =>
        Submit(http, writer, caller, version, request, r => Movement(EntryKind.Withdrawal, r.AccountId, RequestFields.Amount(r.Amount),
            r.Description, r.Category, r.Metadata), ct);

    public static Task<IResult> Transfer(TransferRequest request, LedgerCaller caller, ApiVersion version, HttpContext http, LedgerWriter writer,
        CancellationToken ct) =>
        Submit(http, writer, caller, version, request, r => TransferEntry(RequestFields.Amount(r.Amount, RequestFields.Currency(r.Currency)),
            r.FromAccountId, r.ToAccountId, r.Description, r.Category, r.Metadata), ct);

    public static Task<IResult> TransferV2(V2.TransferRequest request, LedgerCaller caller, ApiVersion version, HttpContext http, LedgerWriter writer,
        CancellationToken ct) =>
        Submit(http, writer, caller, version, request, r => TransferEntry(RequestFields.Amount(r.Amount),
            r.FromAccountId, r.ToAccountId, r.Description, r.Category, r.Metadata), ct);

    public static Task<IResult> PostEntry(JournalEntryRequest request, LedgerCaller caller, ApiVersion version, HttpContext http, LedgerWriter writer,
        CancellationToken ct) =>
        Submit(http, writer, caller, version, request, r => JournalEntry(r.Postings, (p, field) =>
            (p.AccountId, p.Direction, RequestFields.Amount(p.Amount, RequestFields.Currency(p.Currency, $"{field}.currency"), $"{field}.amount")),
            r.Description, r.Category, r.Metadata), ct);

    public static Task<IResult> PostEntryV2(V2.JournalEntryRequest request, LedgerCaller caller, ApiVersion version, HttpContext http, LedgerWriter writer,
        CancellationToken ct) =>
        Submit(http, writer, caller, version, request, r => JournalEntry(r.Postings, (p, field) =>
            (p.AccountId, p.Direction, RequestFields.Amount(p.Amount, $"{field}.amount")), r.Description, r.Category, r.Metadata), ct);

    /// <summary>An entry is seen by whoever owns one of its accounts; balances only on the caller's own.</summary>
    public static async Task<IResult> GetEntry(Guid id, LedgerCaller caller, ApiVersion version, LedgerDbContext db, CancellationToken ct)
    {
        if (await db.EntriesOf(caller).Include(e => e.Postings).FirstOrDefaultAsync(e => e.Id == id, ct) is not { } entry)
        {
            return LedgerProblems.NotFound("entry", id);
        }
        var sees = await db.BalancesVisibleAsync(caller, entry.Postings.Select(p => p.AccountId), ct);
        return Representation.Ok(version.Of(entry.ToResponse(sees)));
    }

    private static Task<IResult> Submit<TRequest>(HttpContext http, LedgerWriter writer, LedgerCaller caller, ApiVersion version, TRequest request,
        Func<TRequest, LedgerCommand> toCommand, CancellationToken ct) =>
        LedgerSubmission.SubmitAsync(http, writer, caller, request, toCommand, Responses.PostedEntry(caller, version), ct);

    /// <summary>A deposit credits the account and debits the currency's world account; a withdrawal the reverse.</summary>
    private static PostEntry Movement(EntryKind kind, Guid? accountId, Money money, string? description, string? category,
        Dictionary<string, string>? metadata)
    {
        var account = new AccountId(RequestFields.Required(accountId, "accountId"));
        var (world, customer) = kind == EntryKind.Deposit ? (Direction.Debit, Direction.Credit) : (Direction.Credit, Direction.Debit);
        return new PostEntry(kind, [new(null, world, money, "currency"), new(account, customer, money, "accountId")],
            RequestFields.Details(description, category, metadata));
    }

    private static PostEntry TransferEntry(Money money, Guid? fromAccountId, Guid? toAccountId, string? description, string? category,
        Dictionary<string, string>? metadata)
    {
        var from = RequestFields.Required(fromAccountId, "fromAccountId");
        var to = RequestFields.Required(toAccountId, "toAccountId");
        if (from == to)
        {
            throw new LedgerRuleException(LedgerError.Validation("toAccountId", "A transfer needs two different accounts."));
        }
        return new PostEntry(EntryKind.Transfer,
            [new(new AccountId(from), Direction.Debit, money, "fromAccountId"), new(new AccountId(to), Direction.Credit, money, "toAccountId")],
            RequestFields.Details(description, category, metadata));
    }

    /// <param name="read">Reads one posting (its account, direction and money) in the version's shape; the field is
    /// <c>postings[i]</c>, for naming what is wrong.</param>
    private static PostEntry JournalEntry<TPosting>(List<TPosting>? inputs, Func<TPosting, string, (Guid? AccountId, string? Direction, Money Money)> read,
        string? description, string? category, Dictionary<string, string>? metadata)
    {
        if (inputs is null)
        {
            throw new LedgerRuleException(LedgerError.Validation("postings", "The postings field is required."));
        }
        if (inputs.Count > Domain.PostEntry.MaxPostings)
        {
            throw new LedgerRuleException(LedgerError.Validation("postings", $"A journal entry has at most {Domain.PostEntry.MaxPostings} postings."));
        }
        var postings = inputs.Select((p, i) =>
        {
            var field = $"postings[{i}]";
            var (accountId, direction, money) = read(p, field);
            return new PostingRequest(new AccountId(RequestFields.Required(accountId, $"{field}.accountId")),
                RequestFields.Direction(direction, $"{field}.direction"), money, $"{field}.accountId");
        }).ToList();
        return new PostEntry(EntryKind.Journal, postings, RequestFields.Details(description, category, metadata));
    }

    private static RouteHandlerBuilder WithMoneyMovementMetadata(this RouteHandlerBuilder endpoint, ApiVersion version) => endpoint
        .ProducesIn<EntryResponse, V2.EntryResponse>(version, StatusCodes.Status201Created)
        .ProducesLedgerCommandProblems()
        .WithDescription("Honours the Idempotency-Key header: a retry with the same key and body returns the first response " +
                         "(with Idempotent-Replayed: true); the same key with a different body, or on the other API version, is refused with 422.");
}
