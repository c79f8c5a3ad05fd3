using System.Security.Claims;
using LedgerX.Auth.Api.Audit;
using LedgerX.Auth.Api.Persistence;
using LedgerX.Auth.Api.Roles;
using LedgerX.ServiceDefaults;
using LedgerX.ServiceDefaults.Audit;
using LedgerX.ServiceDefaults.Auth;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace LedgerX.Auth.Api.Apis;

/// <summary>
/// Role administration (users:admin): read, grant and revoke a user's roles. Each change is audited in its own
/// transaction; the last admin cannot lose the role (a lock serialises concurrent revocations, so two admins revoking
/// each other cannot both succeed). A changed role shows in the user's next token or refresh.
/// </summary>
public static class AdminUsersApi
{
    /// <summary>pg_advisory_xact_lock key for admin role changes (any constant, unique within this database).</summary>
    private const long AdminRoleLock = 0x4C58_4155_5448;

    public static IEndpointRouteBuilder MapAdminUsersApi(this IEndpointRouteBuilder app)
    {
        var roles = app.MapGroup("/api/v1/admin/users/{id:guid}/roles").WithTags("Administration")
            .RequireAuthorization(Permissions.UsersAdmin)
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound);
        roles.MapGet("/", Get).WithName("GetUserRoles").WithSummary("A user's roles and the permissions they allow");
        roles.MapPut("/{role}", Grant).WithName("GrantRole").WithSummary("Grant a role (idempotent)").ProducesValidationProblem();
        roles.MapDelete("/{role}", Revoke).WithName("RevokeRole").WithSummary("Revoke a role (idempotent); never the last admin's")
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status409Conflict);
        return app;
    }

    public static async Task<Results<Ok<RolesResponse>, ProblemHttpResult>> Get(Guid id, UserManager<AuthUser> users) =>
        await users.FindByIdAsync(id.ToString()) is { } user ? TypedResults.Ok(await RolesOfAsync(users, user)) : UserNotFound(id);

    public static async Task<Results<Ok<RolesResponse>, ValidationProblem, ProblemHttpResult>> Grant(
        Guid id, string role, ClaimsPrincipal caller, UserManager<AuthUser> users, ISecurityAudit audit)
    {
        if (!RolePermissions.IsRole(role))
        {
            return UnknownRole();
        }
        if (await users.FindByIdAsync(id.ToString()) is not { } user)
        {
            return UserNotFound(id);
        }
        if (!await users.IsInRoleAsync(user, role))
        {
            audit.Add(AuditActions.RoleGranted, AuditOutcomes.Succeeded, AuditActor.From(caller), new AuditSubject("user", user.Id.ToString()),
                new Dictionary<string, string> { ["role"] = role });
            var granted = await users.AddToRoleAsync(user, role);
            if (!granted.Succeeded)
            {
                audit.DiscardPending();
                return IdentityProblems.Of(granted);
            }
        }
        return TypedResults.Ok(await RolesOfAsync(users, user));
    }

    public static async Task<Results<Ok<RolesResponse>, ValidationProblem, ProblemHttpResult>> Revoke(
        Guid id, string role, ClaimsPrincipal caller, UserManager<AuthUser> users, ISecurityAudit audit, AuthDbContext db)
    {
        if (!RolePermissions.IsRole(role))
        {
            return UnknownRole();
        }
        if (await users.FindByIdAsync(id.ToString()) is not { } user)
        {
            return UserNotFound(id);
        }
        await using var transaction = await db.Database.BeginTransactionAsync();
        if (role == RolePermissions.Admin)
        {
            await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock({AdminRoleLock})");
        }
        if (await users.IsInRoleAsync(user, role))
        {
            if (role == RolePermissions.Admin && (await users.GetUsersInRoleAsync(RolePermissions.Admin)).Count <= 1)
            {
                return Problems.Conflict("last_admin", "This is the last admin; grant admin to someone else first.");
            }
            audit.Add(AuditActions.RoleRevoked, AuditOutcomes.Succeeded, AuditActor.From(caller), new AuditSubject("user", user.Id.ToString()),
                new Dictionary<string, string> { ["role"] = role });
            var revoked = await users.RemoveFromRoleAsync(user, role);
            if (!revoked.Succeeded)
            {
                audit.DiscardPending();
                return IdentityProblems.Of(revoked);
            }
        }
        await transaction.CommitAsync();
        return TypedResults.Ok(await RolesOfAsync(users, user));
    }

    private static async Task<RolesResponse> RolesOfAsync(UserManager<AuthUser> users, AuthUser user)
    {
        var roles = (await users.GetRolesAsync(user)).Order(StringComparer.Ordinal).ToList();
        return new RolesResponse(user.Id, roles, [.. RolePermissions.AllowedBy(roles).Order(StringComparer.Ordinal)]);
    }

    private static ValidationProblem UnknownRole() =>
        Problems.Validation("role", $"The role must be one of: {string.Join(", ", RolePermissions.AllRoles)}.");

    private static ProblemHttpResult UserNotFound(Guid id) => Problems.NotFound("user_not_found", $"No user {id}.");
}
