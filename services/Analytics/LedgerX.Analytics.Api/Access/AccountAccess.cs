using System.Security.Claims;
using LedgerX.Analytics.Api.Persistence;
using LedgerX.ServiceDefaults;
using LedgerX.ServiceDefaults.Auth;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace LedgerX.Analytics.Api.Access;

/// <summary>
/// Object-level access to one account's analytics, in one place: with accounts:any a caller reads any account's; without
/// it only the accounts whose owner (from account.opened.v1) is the token's subject. Every other account, existing or
/// not, is answered with the same 404, so account ids leak nothing. An account whose opening has not arrived yet is not
/// its owner's until it does (staff see it at once).
/// </summary>
public static class AccountAccess
{
    public const string NotFoundCode = "account_not_found";

    public static async Task<bool> MayReadAsync(this AnalyticsDbContext db, ClaimsPrincipal caller, Guid accountId, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(caller);
        if (caller.HasPermission(Permissions.AccountsAny))
        {
            return true;
        }
        var subject = caller.SubjectId() ?? "";
        return await db.AccountOwners.AnyAsync(o => o.AccountId == accountId && o.OwnerId == subject, ct);
    }

    public static ProblemHttpResult NotFound(Guid accountId) =>
        Problems.NotFound(NotFoundCode, $"Account {accountId} was not found.");
}
