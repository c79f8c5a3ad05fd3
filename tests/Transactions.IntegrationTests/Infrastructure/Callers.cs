using System.Net.Http.Headers;
using LedgerX.ServiceDefaults.Auth;
using LedgerX.Testing;

namespace LedgerX.Transactions.IntegrationTests.Infrastructure;

/// <summary>
/// Who a test calls the ledger as, with the permissions auth-service's roles grant them (auth-service
/// Roles/RolePermissions.cs): a test line says <c>Callers.Customer("alice")</c> or <c>Callers.Teller()</c> rather than a
/// list of scopes. Tokens live long enough for a whole test class, since a fixture's client keeps one.
/// </summary>
public static class Callers
{
    /// <summary>The subject of <see cref="LedgerApi.Client"/>'s default token: an administrator, with every permission.</summary>
    public const string StaffSubject = "admin-tests";

    public const string FraudServiceClient = "fraud-service";

    private static readonly TimeSpan Lifetime = TimeSpan.FromHours(6);

    public static readonly string[] CustomerPermissions = [Permissions.LedgerRead, Permissions.LedgerWrite, Permissions.AnalyticsRead];

    public static readonly string[] TellerPermissions = [.. CustomerPermissions, Permissions.LedgerFund, Permissions.AccountsAny, Permissions.AccountsFreeze];

    public static readonly string[] FraudAnalystPermissions =
        [Permissions.LedgerRead, Permissions.AccountsAny, Permissions.FraudReview, Permissions.AccountsFreeze, Permissions.ReversalsApprove, Permissions.AnalyticsRead];

    public static readonly string[] AuditorPermissions =
        [Permissions.LedgerRead, Permissions.AccountsAny, Permissions.LedgerVerify, Permissions.AuditRead, Permissions.AnalyticsRead];

    /// <summary>fraud-service's own client-credentials token (services-authz gives it these scopes).</summary>
    public static readonly string[] FraudServicePermissions = [Permissions.AccountsFreeze, Permissions.AccountsAny, Permissions.LedgerWrite, Permissions.LedgerRead];

    public static AuthenticationHeaderValue Admin(string subject = StaffSubject) => As(subject, Permissions.All);

    public static AuthenticationHeaderValue Customer(string subject) => As(subject, CustomerPermissions);

    public static AuthenticationHeaderValue Teller(string subject = "teller-1") => As(subject, TellerPermissions);

    public static AuthenticationHeaderValue FraudAnalyst(string subject = "analyst-1") => As(subject, FraudAnalystPermissions);

    public static AuthenticationHeaderValue Auditor(string subject = "auditor-1") => As(subject, AuditorPermissions);

    /// <summary>A client-credentials token: its subject is the client id, so the ledger sees a client, not a user.</summary>
    public static AuthenticationHeaderValue FraudService() => new("Bearer", TestTokens.Shared.Mint(FraudServiceClient, FraudServicePermissions,
        expiresIn: Lifetime, claims: new Dictionary<string, object> { ["client_id"] = FraudServiceClient }));

    /// <summary>Anyone, with exactly <paramref name="permissions"/> (none: a valid token that may do nothing here).</summary>
    public static AuthenticationHeaderValue As(string subject, IEnumerable<string> permissions) =>
        new("Bearer", TestTokens.Shared.Mint(subject, permissions, expiresIn: Lifetime));

    /// <summary>A request as <paramref name="caller"/>.</summary>
    public static HttpRequestMessage Request(HttpMethod method, string path, AuthenticationHeaderValue? caller, object? body = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = body is null ? null : System.Net.Http.Json.JsonContent.Create(body) };
        request.Headers.Authorization = caller;
        return request;
    }
}
