using LedgerX.Transactions.Api.Infrastructure.Persistence;
using Microsoft.EntityFrameworkCore;

namespace LedgerX.Transactions.Api.Access;

/// <summary>
/// Object-level rules for reads: every read handler looks its rows up through one of these, so what a caller cannot see
/// is simply not found, answered exactly as an id that does not exist (404, same body), never 403. Without accounts:any
/// a caller sees their own customer accounts and the entries, holds and reversals that touch one of them; each filter is
/// part of the one query that reads the rows.
/// </summary>
internal static class ReadAccess
{
    public const string CustomerKind = "customer";

    public static IQueryable<AccountRow> AccountsOf(this LedgerDbContext db, LedgerCaller caller) =>
        caller.ActsForAnyone
            ? db.Accounts.AsNoTracking()
            : db.Accounts.AsNoTracking().Where(a => a.OwnerId == caller.Subject && a.Kind == CustomerKind);

    public static IQueryable<JournalEntryRow> EntriesOf(this LedgerDbContext db, LedgerCaller caller)
    {
        if (caller.ActsForAnyone)
        {
            return db.JournalEntries.AsNoTracking();
        }
        var owned = db.AccountsOf(caller).Select(a => a.Id);
        return db.JournalEntries.AsNoTracking().Where(e => e.Postings.Any(p => owned.Contains(p.AccountId)));
    }

    public static IQueryable<HoldRow> HoldsOf(this LedgerDbContext db, LedgerCaller caller)
    {
        if (caller.ActsForAnyone)
        {
            return db.Holds.AsNoTracking();
        }
        var owned = db.AccountsOf(caller).Select(a => a.Id);
        return db.Holds.AsNoTracking().Where(h => owned.Contains(h.AccountId) || owned.Contains(h.ToAccountId));
    }

    public static IQueryable<ReversalRow> ReversalsOf(this LedgerDbContext db, LedgerCaller caller)
    {
        if (caller.ActsForAnyone)
        {
            return db.Reversals.AsNoTracking();
        }
        var owned = db.AccountsOf(caller).Select(a => a.Id);
        return db.Reversals.AsNoTracking().Where(r => owned.Contains(r.AccountId) || owned.Contains(r.CounterpartyAccountId));
    }

    /// <summary>Which of <paramref name="accountIds"/> the caller may see the balance of.</summary>
    public static async Task<Func<Guid, bool>> BalancesVisibleAsync(this LedgerDbContext db, LedgerCaller caller, IEnumerable<Guid> accountIds,
        CancellationToken ct)
    {
        if (caller.ActsForAnyone)
        {
            return _ => true;
        }
        var ids = accountIds.Distinct().ToList();
        var owned = (await db.AccountsOf(caller).Where(a => ids.Contains(a.Id)).Select(a => a.Id).ToListAsync(ct)).ToHashSet();
        return owned.Contains;
    }
}
