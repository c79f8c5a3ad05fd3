using System.Security.Claims;
using LedgerX.Fraud.Api.Infrastructure.Persistence;
using LedgerX.ServiceDefaults.Auth;
using Microsoft.EntityFrameworkCore;

namespace LedgerX.Fraud.Api.Access;

/// <summary>
/// Object-level access, in one place: staff (accounts:any, or fraud:review, whose job is every account's alerts) see
/// every account; anyone else only the accounts whose owner is their token's subject. Handlers look alerts and accounts
/// up through these, so what a caller may not see is indistinguishable from what does not exist (404 either way).
/// </summary>
public static class CallerAccess
{
    public static bool SeesEveryAccount(this ClaimsPrincipal caller)
    {
        ArgumentNullException.ThrowIfNull(caller);
        return caller.HasPermission(Permissions.AccountsAny) || caller.HasPermission(Permissions.FraudReview);
    }

    /// <summary>The alerts <paramref name="caller"/> may see (tracked, so an acknowledgement can change one).</summary>
    public static IQueryable<AlertRow> AlertsVisibleTo(this FraudDbContext db, ClaimsPrincipal caller)
    {
        ArgumentNullException.ThrowIfNull(db);
        if (caller.SeesEveryAccount())
        {
            return db.Alerts;
        }
        var subject = caller.SubjectId() ?? "";
        return db.Alerts.Where(a => db.AccountOwners.Any(o => o.AccountId == a.AccountId && o.OwnerId == subject));
    }

    public static async Task<bool> MaySeeAccountAsync(this FraudDbContext db, ClaimsPrincipal caller, Guid accountId, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        if (caller.SeesEveryAccount())
        {
            return true;
        }
        var subject = caller.SubjectId() ?? "";
        return await db.AccountOwners.AnyAsync(o => o.AccountId == accountId && o.OwnerId == subject, ct);
    }
}
