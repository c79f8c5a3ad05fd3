using LedgerX.ServiceDefaults.Audit;
using LedgerX.ServiceDefaults.Auth;
using LedgerX.Transactions.Api.Infrastructure.Persistence;
using LedgerX.Transactions.Api.Ledger;
using LedgerX.Transactions.Domain;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace LedgerX.Transactions.Api.Apis;

/// <summary>Accounts: open, read, list by owner, history, freeze/unfreeze, close.</summary>
public static class AccountsApi
{
    public const int MaxPageSize = 200;

    public static IEndpointRouteBuilder MapAccountsApi(this IEndpointRouteBuilder app)
    {
        var accounts = app.MapGroup("/api/v1/accounts").WithTags("Accounts");
        accounts.MapPost("/", Open).WithName("OpenAccount").WithSummary("Open an account owned by the caller (the access token's sub)")
            .RequirePermission(Permissions.LedgerWrite)
            .Produces<AccountResponse>(StatusCodes.Status201Created).ProducesLedgerCommandProblems();
        accounts.MapGet("/{id:guid}", Get).WithName("GetAccount").WithSummary("Get an account with its ledger and available balances")
            .ProducesProblem(StatusCodes.Status404NotFound);
        // Still any owner's by ?ownerId= (issue 15 makes it the caller's own, once reads are authorized).
        accounts.MapGet("/", ListByOwner).WithName("ListAccounts").WithSummary("List an owner's accounts");
        accounts.MapGet("/{id:guid}/history", History).WithName("GetAccountHistory").WithSummary("An account's postings, newest first")
            .ProducesProblem(StatusCodes.Status404NotFound);
        accounts.MapPost("/{id:guid}/freeze", Freeze).WithName("FreezeAccount").WithSummary("Freeze an account: no money moves in or out")
            .Produces<AccountResponse>().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesLedgerCommandProblems();
        accounts.MapPost("/{id:guid}/unfreeze", Unfreeze).WithName("UnfreezeAccount").WithSummary("Unfreeze an account")
            .Produces<AccountResponse>().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesLedgerCommandProblems();
        accounts.MapPost("/{id:guid}/close", Close).WithName("CloseAccount").WithSummary("Close an account at zero balance")
            .Produces<AccountResponse>().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesLedgerCommandProblems();
        return app;
    }

    /// <summary>The owner is whoever the token says the caller is, never a field a client could fill with someone else.</summary>
    public static Task<IResult> Open(OpenAccountRequest request, HttpContext http, LedgerWriter writer, CancellationToken ct) =>
        LedgerSubmission.SubmitAsync(http, writer, request, r => new OpenAccount(
            http.User.SubjectId() ?? throw new InvalidOperationException("RequirePermission lets no anonymous caller in."),
            RequestFields.Currency(r.Currency), r.OverdraftLimit ?? 0, LedgerMetadata.Validate(r.Metadata)), Responses.OpenedAccount, ct);

    public static async Task<Results<Ok<AccountResponse>, ProblemHttpResult>> Get(Guid id, LedgerDbContext db, CancellationToken ct) =>
        await db.Accounts.AsNoTracking().FirstOrDefaultAsync(a => a.Id == id, ct) is { } account
            ? TypedResults.Ok(account.ToResponse())
            : LedgerProblems.NotFound("account", id);

    public static async Task<Results<Ok<Page<AccountResponse>>, ProblemHttpResult>> ListByOwner(
        [FromQuery] string? ownerId, [FromQuery] Guid? after, [FromQuery] int? limit, LedgerDbContext db, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(ownerId))
        {
            return LedgerProblems.From(LedgerError.Validation("ownerId", "The ownerId query parameter is required."));
        }
        if (PageSize(limit) is not { } size)
        {
            return LedgerProblems.From(LedgerError.Validation("limit", $"The limit must be between 1 and {MaxPageSize}."));
        }
        var query = db.Accounts.AsNoTracking().Where(a => a.OwnerId == ownerId);
        if (after is { } cursor)
        {
            query = query.Where(a => a.Id.CompareTo(cursor) > 0);
        }
        var rows = await query.OrderBy(a => a.Id).Take(size + 1).ToListAsync(ct);
        var items = rows.Take(size).Select(a => a.ToResponse()).ToList();
        return TypedResults.Ok(new Page<AccountResponse>(items, rows.Count > size ? items[^1].Id.ToString() : null));
    }

    public static async Task<Results<Ok<Page<HistoryItem>>, ProblemHttpResult>> History(
        Guid id, [FromQuery] string? after, [FromQuery] int? limit, LedgerDbContext db, CancellationToken ct)
    {
        if (PageSize(limit) is not { } size)
        {
            return LedgerProblems.From(LedgerError.Validation("limit", $"The limit must be between 1 and {MaxPageSize}."));
        }
        if (!await db.Accounts.AnyAsync(a => a.Id == id, ct))
        {
            return LedgerProblems.NotFound("account", id);
        }
        var query = db.Postings.AsNoTracking().Where(p => p.AccountId == id);
        if (after is not null)
        {
            if (!HistoryCursor.TryParse(after, out var sequence, out var line))
            {
                return LedgerProblems.From(LedgerError.Validation("after", "The cursor is not one this API returned."));
            }
            query = query.Where(p => p.Sequence < sequence || (p.Sequence == sequence && p.Line < line));
        }
        var rows = await query
            .Join(db.JournalEntries, p => p.EntryId, e => e.Id, (p, e) => new { Posting = p, e.Kind, e.Description, e.Category })
            .OrderByDescending(r => r.Posting.Sequence).ThenByDescending(r => r.Posting.Line).Take(size + 1)
            .ToListAsync(ct);
        var items = rows.Take(size).Select(r => new HistoryItem(r.Posting.EntryId, r.Posting.Sequence, r.Kind, r.Posting.Direction,
            r.Posting.Direction == "credit" ? r.Posting.Amount : -r.Posting.Amount, r.Posting.Currency, r.Posting.BalanceAfter,
            r.Description, r.Category, r.Posting.PostedAt)).ToList();
        var next = rows.Count > size ? HistoryCursor.Format(rows[size - 1].Posting.Sequence, rows[size - 1].Posting.Line) : null;
        return TypedResults.Ok(new Page<HistoryItem>(items, next));
    }

    public static Task<IResult> Freeze(Guid id, FreezeAccountRequest request, HttpContext http, LedgerWriter writer, TimeProvider clock, CancellationToken ct) =>
        LedgerSubmission.SubmitAsync(http, writer, request, r => new FreezeAccount(new AccountId(id), r.Reason ?? ""),
            Responses.AccountNow(new AccountId(id)), ct,
            audit: LedgerAudit.Succeeded(http, clock, AuditActions.AccountFrozen, LedgerAudit.Account(id),
                request.Reason is { Length: > 0 } reason ? new Dictionary<string, string> { ["reason"] = AuditCaller.Detail(reason) } : null));

    public static Task<IResult> Unfreeze(Guid id, HttpContext http, LedgerWriter writer, TimeProvider clock, CancellationToken ct) =>
        LedgerSubmission.SubmitAsync(http, writer, id, _ => new UnfreezeAccount(new AccountId(id)), Responses.AccountNow(new AccountId(id)), ct,
            audit: LedgerAudit.Succeeded(http, clock, AuditActions.AccountUnfrozen, LedgerAudit.Account(id)));

    public static Task<IResult> Close(Guid id, HttpContext http, LedgerWriter writer, CancellationToken ct) =>
        LedgerSubmission.SubmitAsync(http, writer, id, _ => new CloseAccount(new AccountId(id)), Responses.AccountNow(new AccountId(id)), ct);

    internal static int? PageSize(int? limit) => limit switch
    {
        null => 50,
        >= 1 and <= MaxPageSize => limit,
        _ => null,
    };
}

/// <summary>History cursors are "sequence.line" of the last item returned: opaque to clients, stable across inserts.</summary>
internal static class HistoryCursor
{
    public static string Format(long sequence, int line) => $"{sequence}.{line}";

    public static bool TryParse(string cursor, out long sequence, out int line)
    {
        line = 0;
        var parts = cursor.Split('.');
        return parts.Length == 2 & long.TryParse(parts[0], out sequence) && int.TryParse(parts[1], out line) && sequence > 0 && line >= 0;
    }
}
