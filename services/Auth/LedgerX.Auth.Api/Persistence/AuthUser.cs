using Microsoft.AspNetCore.Identity;

namespace LedgerX.Auth.Api.Persistence;

/// <summary>A LedgerX user (Identity's user with a UUIDv7 id). Roles map to permissions in <see cref="Roles.RolePermissions"/>.</summary>
public sealed class AuthUser : IdentityUser<Guid>
{
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>An Identity role (customer, teller, fraud_analyst, auditor, admin).</summary>
public sealed class AuthRole : IdentityRole<Guid>;
