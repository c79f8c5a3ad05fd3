using LedgerX.Auth.Api.Persistence;
using LedgerX.Auth.Api.Roles;
using Microsoft.AspNetCore.Identity;

namespace LedgerX.Auth.Api.Seeding;

/// <summary>Creates the roles of <see cref="RolePermissions"/> that the database lacks (every start, idempotent).</summary>
public static class RoleSetup
{
    public static async Task EnsureRolesAsync(RoleManager<AuthRole> roles)
    {
        foreach (var name in RolePermissions.AllRoles)
        {
            if (!await roles.RoleExistsAsync(name))
            {
                var created = await roles.CreateAsync(new AuthRole { Id = Guid.CreateVersion7(), Name = name });
                // A replica starting at the same moment may have created it: only a still-missing role is an error.
                if (!created.Succeeded && !await roles.RoleExistsAsync(name))
                {
                    throw new InvalidOperationException($"Role '{name}' could not be created: {string.Join("; ", created.Errors.Select(e => e.Description))}");
                }
            }
        }
    }
}
