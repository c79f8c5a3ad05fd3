using LedgerX.ServiceDefaults.Audit;
using LedgerX.Transactions.Api.Access;
using LedgerX.ServiceDefaults.Auth;
using LedgerX.Transactions.Api.Infrastructure.Persistence;
using LedgerX.Transactions.Api.Ledger;
using LedgerX.Transactions.Domain;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace LedgerX.Transactions.Api.Apis;

/// <summary>Accounts: open, read, list, history, freeze/unfreeze, close; in every API version, each route behind its permission.</summary>
public static class AccountsApi
{
    public const int MaxPageSize = 200;

    public static IEndpointRouteBuilder MapAccountsApi(this IEndpointRouteBuilder app)
    {
        foreach (var version in ApiVersion.All)
        {
            Map(app.MapVersionGroup(version, "/accounts").WithTags("Accounts"), version);
        }
        return app;
    }

    private static void Map(RouteGroupBuilder accounts, ApiVersion version)
    {
        accounts.MapPost("/", Open).WithName(version.EndpointName("OpenAccount")).WithSummary("Open an account owned by the caller (the access token's sub)")
            .RequirePermission(Permissions.LedgerWrite)
            .ProducesIn<AccountResponse, V2.AccountResponse>(version, StatusCodes.Status201Created).ProducesLedgerCommandProblems();
        accounts.MapGet("/{id:guid}", Get).WithName(version.EndpointName("GetAccount")).WithSummary("Get an account with its ledger and available balances")
            .RequirePermission(Permissions.LedgerRead)
            .ProducesIn<AccountResponse, V2.AccountResponse>(version).ProducesProblem(StatusCodes.Status404NotFound);
        accounts.MapGet("/", List).WithName(version.EndpointName("ListAccounts"))
            .WithSummary("List the caller's accounts (with accounts:any, anyone's, optionally one owner's by ownerId)")
            .RequirePermission(Permissions.LedgerRead)
            .ProducesIn<Page<AccountResponse>, Page<V2.AccountResponse>>(version).ProducesProblem(StatusCodes.Status400BadRequest);
        accounts.MapGet("/{id:guid}/history", History).WithName(version.EndpointName("GetAccountHistory")).WithSummary("An account's postings, newest first")
            .RequirePermission(Permissions.LedgerRead)
            .ProducesIn<Page<HistoryItem>, Page<V2.HistoryItem>>(version).ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);
        accounts.MapPost("/{id:guid}/freeze", Freeze).WithName(version.EndpointName("FreezeAccount")).WithSummary("Freeze an account: no money moves in or out")
            .RequirePermission(Permissions.AccountsFreeze)
            .ProducesIn<AccountResponse, V2.AccountResponse>(version).ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesLedgerCommandProblems();
        accounts.MapPost("/{id:guid}/unfreeze", Unfreeze).WithName(version.EndpointName("UnfreezeAccount")).WithSummary("Unfreeze an account")
            .RequirePermission(Permissions.AccountsFreeze)
            .ProducesIn<AccountResponse, V2.AccountResponse>(version).ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesLedgerCommandProblems();
        accounts.MapPost("/{id:guid}/close", Close).WithName(version.EndpointName("CloseAccount")).WithSummary("Close one of the caller's accounts at zero balance")
            .RequirePermission(Permissions.LedgerWrite)
            .ProducesIn<AccountResponse, V2.AccountResponse>(version).ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesLedgerCommandProblems();
    }

    /// <summary>The owner is whoever the token says the caller is, never a field a client could fill with someone else.</summary>
    public static Task<IResult> Open(OpenAccountRequest request, LedgerCaller caller, ApiVersion version, HttpContext http, LedgerWriter writer,
        CancellationToken ct) =>
        LedgerSubmission.SubmitAsync(http, writer, caller, request, r => new OpenAccount(caller.Subject,
            RequestFields.Currency(r.Currency), r.OverdraftLimit ?? 0, LedgerMetadata.Validate(r.Metadata)), Responses.OpenedAccount(version), ct);

    public static async Task<IResult> Get(Guid id, LedgerCaller caller, ApiVersion version, LedgerDbContext db, CancellationToken ct) =>
        await db.AccountsOf(caller).FirstOrDefaultAsync(a => a.Id == id, ct) is { } account
            ? Representation.Ok(version.Of(account.ToResponse()))
            : LedgerProblems.NotFound("account", id);

    /// <summary>A customer lists their own accounts; naming another owner needs accounts:any (the owner is the token's
    /// subject, not a parameter a client could set to someone else).</summary>
    public static async Task<IResult> List([FromQuery] string? ownerId, [FromQuery] Guid? after, [FromQuery] int? limit, LedgerCaller caller,
        ApiVersion version, LedgerDbContext db, CancellationToken ct)
    {
        if (ownerId is not null && !caller.ActsForAnyone && !string.Equals(ownerId, caller.Subject, StringComparison.Ordinal))
        {
            return LedgerProblems.From(LedgerError.Validation("ownerId",
                "Listing another owner's accounts needs the accounts:any permission; leave ownerId out to list your own."));
        }
        if (PageSize(limit) is not { } size)
        {
            return LedgerProblems.From(LedgerError.Validation("limit", $"The limit must be between 1 and {MaxPageSize}."));
        }
        var query = db.AccountsOf(caller);
        if (ownerId is not null)
        {
            query = query.Where(a => a.OwnerId == ownerId);
        }
        if (after is { } cursor)
        {
            query = query.Where(a => a.Id.CompareTo(cursor) > 0);
        }
        var rows = await query.OrderBy(a => a.Id).Take(size + 1).ToListAsync(ct);
        var items = rows.Take(size).Select(a => a.ToResponse()).ToList();
        return Representation.Ok(version.Of(new Page<AccountResponse>(items, rows.Count > size ? items[^1].Id.ToString() : null)));
    }

    public static async Task<IResult> History(Guid id, [FromQuery] string? after, [FromQuery] int? limit, LedgerCaller caller, ApiVersion version,
        LedgerDbContext db, CancellationToken ct)
    {
        if (PageSize(limit) is not { } size)
        {
            return LedgerProblems.From(LedgerError.Validation("limit", $"The limit must be between 1 and {MaxPageSize}."));
        }
        if (!await db.AccountsOf(caller).AnyAsync(a => a.Id == id, ct))
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
            .Join(db.JournalEntries, p => p.EntryId, e => e.Id, (p, e) => new { Posting = p, e.Kind, e.Description, e.Category, e.Metadata })
            .OrderByDescending(r => r.Posting.Sequence).ThenByDescending(r => r.Posting.Line).Take(size + 1)
            .ToListAsync(ct);
        var items = rows.Take(size).Select(r => new HistoryItem(r.Posting.EntryId, r.Posting.Sequence, r.Kind, r.Posting.Direction,
            r.Posting.Direction == "credit" ? r.Posting.Amount : -r.Posting.Amount, r.Posting.Currency, r.Posting.BalanceAfter,
            r.Description, r.Category, r.Posting.PostedAt, Responses.Metadata(r.Metadata))).ToList();
        var next = rows.Count > size ? HistoryCursor.Format(rows[size - 1].Posting.Sequence, rows[size - 1].Posting.Line) : null;
        return Representation.Ok(version.Of(new Page<HistoryItem>(items, next)));
    }

    public static Task<IResult> Freeze(Guid id, FreezeAccountRequest request, LedgerCaller caller, ApiVersion version, HttpContext http,
        LedgerWriter writer, TimeProvider clock, CancellationToken ct) =>
        LedgerSubmission.SubmitAsync(http, writer, caller, request, r => new FreezeAccount(new AccountId(id), r.Reason ?? ""),
            Responses.AccountNow(new AccountId(id), version), ct,
            audit: LedgerAudit.Succeeded(http, clock, AuditActions.AccountFrozen, LedgerAudit.Account(id),
                request.Reason is { Length: > 0 } reason ? new Dictionary<string, string> { ["reason"] = AuditCaller.Detail(reason) } : null));

    public static Task<IResult> Unfreeze(Guid id, LedgerCaller caller, ApiVersion version, HttpContext http, LedgerWriter writer, TimeProvider clock,
        CancellationToken ct) =>
        LedgerSubmission.SubmitAsync(http, writer, caller, id, _ => new UnfreezeAccount(new AccountId(id)), Responses.AccountNow(new AccountId(id), version),
            ct, audit: LedgerAudit.Succeeded(http, clock, AuditActions.AccountUnfrozen, LedgerAudit.Account(id)));

    public static Task<IResult> Close(Guid id, LedgerCaller caller, ApiVersion version, HttpContext http, LedgerWriter writer, CancellationToken ct) =>
        LedgerSubmission.SubmitAsync(http, writer, caller, id, _ => new CloseAccount(new AccountId(id)), Responses.AccountNow(new AccountId(id), version), ct);

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
