using System.Security.Claims;
using LedgerX.ServiceDefaults.Auth;
using LedgerX.Transactions.Domain;

namespace LedgerX.Transactions.Api.Access;

/// <summary>
/// Who is asking, as the ledger's access rules need it: the token's subject and the two permissions that widen what the
/// subject may touch. Handlers take it as a parameter (bound from the validated token, never from the request), and look
/// objects up through it (<see cref="ReadAccess"/>) or hand it to the writer with their command (<see cref="CommandAccess"/>),
/// so a route cannot reach an account without saying whose eyes it reads with.
/// </summary>
/// <param name="Subject">The token's <c>sub</c>: a user id, or a client id for client credentials.</param>
/// <param name="ActsForAnyone"><c>accounts:any</c>: staff and trusted services act on anyone's accounts.</param>
/// <param name="CanFund"><c>ledger:fund</c>: may move money across the ledger's edge (deposits, withdrawals, and their reversals).</param>
public sealed record LedgerCaller(string Subject, bool ActsForAnyone, bool CanFund)
{
    /// <summary>The service's own steps (the reversal saga): they see every balance in what they render for themselves.
    /// Never a request's caller: nothing read from a request produces it.</summary>
    internal static readonly LedgerCaller Internal = new("internal:transaction-service", ActsForAnyone: true, CanFund: true);

    public static LedgerCaller From(ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        var subject = user.SubjectId()
            ?? throw new InvalidOperationException("Every ledger route requires a permission, so no anonymous caller reaches a handler.");
        return new LedgerCaller(subject, user.HasPermission(Permissions.AccountsAny), user.HasPermission(Permissions.LedgerFund));
    }

    /// <summary>Minimal APIs bind it from the authenticated principal (and, being bound this way, it is no documented parameter).</summary>
    public static ValueTask<LedgerCaller?> BindAsync(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        return ValueTask.FromResult<LedgerCaller?>(From(http.User));
    }

    /// <summary>True when the caller may see and debit <paramref name="account"/>: their own customer account, or any with
    /// accounts:any. A world account is nobody's (a subject that happens to equal its owner name owns nothing).</summary>
    public bool Owns(Account? account) =>
        account is not null && (ActsForAnyone || (account.Kind == AccountKind.Customer && string.Equals(account.OwnerId, Subject, StringComparison.Ordinal)));
}
