using System.Collections.Frozen;
using LedgerX.ServiceDefaults.Auth;

namespace LedgerX.Auth.Api.Roles;

/// <summary>The roles of LedgerX and the permissions each allows: the one place this mapping lives
/// (documented in docs/api/auth.md). A token carries (requested scopes ∩ what the user's roles allow).</summary>
public static class RolePermissions
{
    public const string Customer = "customer";
    public const string Teller = "teller";
    public const string FraudAnalyst = "fraud_analyst";
    public const string Auditor = "auditor";
    public const string Admin = "admin";

    public static readonly IReadOnlyList<string> AllRoles = [Customer, Teller, FraudAnalyst, Auditor, Admin];

    private static readonly FrozenDictionary<string, FrozenSet<string>> Map = new Dictionary<string, FrozenSet<string>>
    {
        // A customer moves their own money; object checks in each service limit them to their own accounts.
        [Customer] = new[] { Permissions.LedgerRead, Permissions.LedgerWrite, Permissions.AnalyticsRead, Permissions.NotificationsManage, Permissions.NlpAsk }.ToFrozenSet(),
        // A teller acts for any customer (cash in and out at the desk) and may freeze an account on the spot, but not
        // approve reversals.
        [Teller] = new[]
        {
            Permissions.LedgerRead, Permissions.LedgerWrite, Permissions.LedgerFund, Permissions.AccountsAny, Permissions.AccountsFreeze,
            Permissions.AnalyticsRead, Permissions.NotificationsManage, Permissions.NlpAsk,
        }.ToFrozenSet(),
        [FraudAnalyst] = new[]
        {
            Permissions.LedgerRead, Permissions.AccountsAny, Permissions.FraudReview, Permissions.AccountsFreeze, Permissions.ReversalsApprove,
            Permissions.AnalyticsRead, Permissions.NotificationsManage, Permissions.NlpAsk,
        }.ToFrozenSet(),
        // An auditor reads and verifies anyone's records, and changes nothing.
        [Auditor] = new[]
        {
            Permissions.LedgerRead, Permissions.AccountsAny, Permissions.LedgerVerify, Permissions.AuditRead, Permissions.AnalyticsRead,
            Permissions.NotificationsManage, Permissions.NlpAsk,
        }.ToFrozenSet(),
        [Admin] = Permissions.All.ToFrozenSet(),
    }.ToFrozenDictionary(StringComparer.Ordinal);

    public static bool IsRole(string role) => Map.ContainsKey(role);

    /// <summary>Every permission at least one of <paramref name="roles"/> allows.</summary>
    public static IReadOnlySet<string> AllowedBy(IEnumerable<string> roles) =>
        roles.Where(Map.ContainsKey).SelectMany(r => Map[r]).ToHashSet(StringComparer.Ordinal);

    public static IReadOnlySet<string> Of(string role) => Map.TryGetValue(role, out var set) ? set : FrozenSet<string>.Empty;
}
