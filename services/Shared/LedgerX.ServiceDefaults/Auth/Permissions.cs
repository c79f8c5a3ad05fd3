namespace LedgerX.ServiceDefaults.Auth;

/// <summary>
/// The fine-grained permissions of LedgerX. auth-service maps roles to them and issues the ones a caller holds (and asked
/// for) as OAuth scopes in the access token's <c>scope</c> claim; every service checks them with
/// <see cref="LedgerXClaims.HasPermission"/>. One list, so a service and auth-service can never spell one differently.
/// </summary>
public static class Permissions
{
    /// <summary>Read accounts, entries, holds and reversals (a customer: only their own; object checks do the rest).</summary>
    public const string LedgerRead = "ledger:read";

    /// <summary>Open accounts, move money, place holds, request reversals.</summary>
    public const string LedgerWrite = "ledger:write";

    /// <summary>
    /// Move money into or out of the ledger (deposits, withdrawals): money that comes from or goes to the world outside
    /// the ledger, so tellers and payment-rail clients, never a customer on their own (they would mint money).
    /// </summary>
    public const string LedgerFund = "ledger:fund";

    /// <summary>
    /// Act on any customer's accounts and the objects that touch them, not only the caller's own: staff (tellers,
    /// fraud analysts, auditors, admins). Without it, every service's object checks limit a caller to what they own.
    /// It widens whose objects; the other permissions still say what may be done with them.
    /// </summary>
    public const string AccountsAny = "accounts:any";

    /// <summary>Approve or reject a reversal that waits for a human decision.</summary>
    public const string ReversalsApprove = "reversals:approve";

    /// <summary>Freeze and unfreeze accounts.</summary>
    public const string AccountsFreeze = "accounts:freeze";

    /// <summary>Run the ledger's verification and export its event log.</summary>
    public const string LedgerVerify = "ledger:verify";

    /// <summary>Read fraud alerts and risk profiles of any account, and acknowledge alerts.</summary>
    public const string FraudReview = "fraud:review";

    /// <summary>Read analytics read models (a customer: only their own accounts'; object checks do the rest).</summary>
    public const string AnalyticsRead = "analytics:read";

    /// <summary>Rebuild the analytics read models from the ledger's log.</summary>
    public const string AnalyticsRebuild = "analytics:rebuild";

    /// <summary>Query and verify the audit log.</summary>
    public const string AuditRead = "audit:read";

    /// <summary>Grant and revoke roles, manage users and OAuth clients.</summary>
    public const string UsersAdmin = "users:admin";

    /// <summary>
    /// Manage one's own notifications: preferences, webhook endpoints, notification history and the live feed. Every
    /// role has it; it never reaches another user's (object checks answer 404).
    /// </summary>
    public const string NotificationsManage = "notifications:manage";

    /// <summary>Operate notification delivery: see and replay dead letters, read any user's history and deliveries.</summary>
    public const string NotificationsOperate = "notifications:operate";

    /// <summary>
    /// Ask nlp-service questions about one's own money and read, cancel and rate one's own answers. Every role has it.
    /// The answers read data with the asker's own token (relayed), so they never show more than <see cref="LedgerRead"/>
    /// and <see cref="AnalyticsRead"/> would.
    /// </summary>
    public const string NlpAsk = "nlp:ask";

    /// <summary>Operate nlp-service: see dead-lettered questions and the answers' ratings (for evaluation).</summary>
    public const string NlpOperate = "nlp:operate";

    public static readonly IReadOnlyList<string> All =
    [
        LedgerRead, LedgerWrite, LedgerFund, AccountsAny, ReversalsApprove, AccountsFreeze, LedgerVerify, FraudReview,
        AnalyticsRead, AnalyticsRebuild, AuditRead, UsersAdmin, NotificationsManage, NotificationsOperate,
        NlpAsk, NlpOperate,
    ];
}

/// <summary>The claims LedgerX reads from a validated access token, and how.</summary>
public static class LedgerXClaims
{
    /// <summary>The principal: a user's id, or for client credentials the client id.</summary>
    public const string Subject = "sub";

    /// <summary>The OAuth client the token was issued to.</summary>
    public const string ClientId = "client_id";

    /// <summary>Space-separated granted scopes (RFC 8693 §4.2 / RFC 9068): the permissions.</summary>
    public const string Scope = "scope";

    /// <summary>The audience every LedgerX service accepts: one API, since the gateway forwards the caller's token.</summary>
    public const string ApiAudience = "ledgerx-api";

    /// <summary>True when the principal's <c>scope</c> claim(s) contain <paramref name="permission"/>.</summary>
    public static bool HasPermission(this System.Security.Claims.ClaimsPrincipal principal, string permission)
    {
        ArgumentNullException.ThrowIfNull(principal);
        foreach (var claim in principal.FindAll(Scope))
        {
            foreach (var scope in claim.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                if (string.Equals(scope, permission, StringComparison.Ordinal))
                {
                    return true;
                }
            }
        }
        return false;
    }

    /// <summary>The token's subject, or null for an unauthenticated principal.</summary>
    public static string? SubjectId(this System.Security.Claims.ClaimsPrincipal principal) =>
        principal.Identity?.IsAuthenticated == true ? principal.FindFirst(Subject)?.Value : null;
}
