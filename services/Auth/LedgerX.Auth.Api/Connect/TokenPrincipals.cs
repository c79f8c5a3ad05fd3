using System.Collections.Immutable;
using System.Security.Claims;
using LedgerX.Auth.Api.Persistence;
using LedgerX.Auth.Api.Roles;
using LedgerX.ServiceDefaults.Auth;
using Permissions = LedgerX.ServiceDefaults.Auth.Permissions;
using Microsoft.AspNetCore.Identity;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace LedgerX.Auth.Api.Connect;

/// <summary>
/// Builds the principal a token is issued for: the user's id as <c>sub</c>, and as scopes the requested ones that the
/// user's roles allow right now (so a revoked role leaves the next token, a refreshed one too).
/// </summary>
public sealed class TokenPrincipals(UserManager<AuthUser> users)
{
    /// <summary>What the client asked for at sign-in, kept (in codes and refresh tokens only, never in an access or
    /// identity token) so that a refresh re-evaluates it against the roles of the moment: a role granted since then
    /// adds its permissions, a revoked one removes them, and nothing beyond the original request is ever added.</summary>
    public const string RequestedScopeClaim = "ledgerx_requested_scope";

    /// <summary>The scopes first requested in the grant that <paramref name="stored"/> continues.</summary>
    public static IEnumerable<string> RequestedIn(ClaimsPrincipal stored) =>
        stored.GetClaim(RequestedScopeClaim)?.Split(' ', StringSplitOptions.RemoveEmptyEntries) ?? stored.GetScopes().AsEnumerable();

    /// <summary>requested ∩ (identity scopes ∪ permissions the roles allow).</summary>
    public static ImmutableArray<string> Grantable(IEnumerable<string> requested, IEnumerable<string> roles)
    {
        var allowed = RolePermissions.AllowedBy(roles);
        return [.. requested.Distinct(StringComparer.Ordinal).Where(s => AuthRegistration.IdentityScopes.Contains(s) || allowed.Contains(s))];
    }

    public async Task<ClaimsPrincipal> ForUserAsync(AuthUser user, IEnumerable<string> requestedScopes)
    {
        var requested = requestedScopes.Distinct(StringComparer.Ordinal).ToList();
        var roles = await users.GetRolesAsync(user);
        var identity = new ClaimsIdentity(
            OpenIddictServerAspNetCoreDefaults.AuthenticationScheme, Claims.Name, Claims.Role);
        identity.SetClaim(Claims.Subject, user.Id.ToString())
            .SetClaim(Claims.Name, user.UserName)
            .SetClaim(Claims.Email, user.Email)
            .SetClaim(Claims.EmailVerified, user.EmailConfirmed)
            .SetClaims(Claims.Role, [.. roles])
            .SetClaim(RequestedScopeClaim, string.Join(' ', requested));
        identity.SetScopes(Grantable(requested, roles));
        identity.SetResources(LedgerXClaims.ApiAudience);
        identity.SetDestinations(Destinations);
        return new ClaimsPrincipal(identity);
    }

    /// <summary>A machine client acting for itself: its client id is the subject; OpenIddict has already checked that the
    /// client may ask for each requested scope.</summary>
    public static ClaimsPrincipal ForClient(string clientId, IEnumerable<string> scopes)
    {
        var identity = new ClaimsIdentity(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme, Claims.Name, Claims.Role);
        identity.SetClaim(Claims.Subject, clientId).SetClaim(Claims.Name, clientId);
        identity.SetScopes(scopes.Where(Permissions.All.Contains));
        identity.SetResources(LedgerXClaims.ApiAudience);
        identity.SetDestinations(Destinations);
        return new ClaimsPrincipal(identity);
    }

    /// <summary>Access tokens carry only sub (plus scope, aud, client_id, which OpenIddict writes); the profile and email
    /// go to the identity token when their scopes were granted. Roles stay inside auth-service: services read scopes.</summary>
    private static IEnumerable<string> Destinations(Claim claim) => claim.Type switch
    {
        Claims.Subject => [OpenIddictConstants.Destinations.AccessToken, OpenIddictConstants.Destinations.IdentityToken],
        Claims.Name when claim.Subject!.HasScope(Scopes.Profile) => [OpenIddictConstants.Destinations.IdentityToken],
        Claims.Email or Claims.EmailVerified when claim.Subject!.HasScope(Scopes.Email) => [OpenIddictConstants.Destinations.IdentityToken],
        _ => [],
    };
}
