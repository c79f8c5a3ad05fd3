using LedgerX.ServiceDefaults.Auth;
using Microsoft.AspNetCore.Authorization;

namespace LedgerX.Auth.Audit;

/// <summary>Who may read and verify the audit log: a caller whose access token grants audit:read.</summary>
public static class AuditLogAuthorization
{
    /// <summary>Named after the permission it requires.</summary>
    public const string ReadPolicy = Permissions.AuditRead;

    /// <summary>The policy names no authentication scheme, so the host's default scheme authenticates: without a
    /// token the caller is challenged (401), with one lacking the scope forbidden (403).</summary>
    public static AuthorizationPolicy Read { get; } = new AuthorizationPolicyBuilder()
        .RequireAuthenticatedUser()
        .RequireAssertion(context => context.User.HasPermission(Permissions.AuditRead))
        .Build();
}
