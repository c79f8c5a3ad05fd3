using System.Security.Claims;
using LedgerX.Auth.Api.Audit;
using LedgerX.Auth.Api.Persistence;
using LedgerX.ServiceDefaults.Audit;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Primitives;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace LedgerX.Auth.Api.Connect;

/// <summary>
/// The OpenIddict endpoints that need a decision from auth-service (passthrough): authorize (who is signed in, which
/// scopes), token (whose grant, which scopes now), userinfo. OpenIddict itself validates the protocol (PKCE, redirect
/// URIs, client secrets, grant and scope permissions of the client) before these handlers run.
/// </summary>
public static class ConnectApi
{
    public static IEndpointRouteBuilder MapConnectApi(this IEndpointRouteBuilder app)
    {
        app.MapMethods("/" + Endpoints.Authorize, [HttpMethods.Get, HttpMethods.Post], AuthorizeAsync).ExcludeFromDescription();
        app.MapPost("/" + Endpoints.Token, TokenAsync).ExcludeFromDescription();
        app.MapMethods("/" + Endpoints.UserInfo, [HttpMethods.Get, HttpMethods.Post], UserInfoAsync).ExcludeFromDescription();
        return app;
    }

    internal sealed record Services(
        HttpContext Http, UserManager<AuthUser> Users, SignInManager<AuthUser> SignIns, TokenPrincipals Principals, ISecurityAudit Audit,
        IOpenIddictApplicationManager Applications);

    /// <summary>Code + PKCE: a signed-in user (cookie) gets a code for the scopes their roles allow. LedgerX clients
    /// are first-party, registered with implicit consent, so no consent page is shown.</summary>
    private static async Task<IResult> AuthorizeAsync([AsParameters] Services s)
    {
        var request = s.Http.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("Not an OpenID Connect request.");
        var cookie = await s.Http.AuthenticateAsync(IdentityConstants.ApplicationScheme);
        if (!cookie.Succeeded || request.HasPromptValue(PromptValues.Login))
        {
            if (request.HasPromptValue(PromptValues.None))
            {
                return Forbid(Errors.LoginRequired, "The user is not signed in.");
            }
            // Back here after signing in, with the same parameters (prompt=login removed so it is asked once).
            var parameters = s.Http.Request.HasFormContentType ? s.Http.Request.Form.ToList() : s.Http.Request.Query.ToList();
            parameters.RemoveAll(p => p.Key == Parameters.Prompt);
            var returnUrl = s.Http.Request.PathBase + s.Http.Request.Path + QueryString.Create(parameters);
            return Results.Challenge(new AuthenticationProperties { RedirectUri = returnUrl }, [IdentityConstants.ApplicationScheme]);
        }
        var user = await s.Users.GetUserAsync(cookie.Principal!);
        if (user is null || !await s.SignIns.CanSignInAsync(user) || await s.Users.IsLockedOutAsync(user))
        {
            return Forbid(Errors.LoginRequired, "The signed-in user can no longer sign in.");
        }
        // Only first-party clients (implicit consent) are registered; one that asks for consent has no page to get it.
        var application = await s.Applications.FindByClientIdAsync(request.ClientId!);
        if (application is null || await s.Applications.GetConsentTypeAsync(application) != ConsentTypes.Implicit)
        {
            return Forbid(Errors.ConsentRequired, "This client needs a consent that auth-service does not ask for (first-party clients only).");
        }
        var principal = await s.Principals.ForUserAsync(user, request.GetScopes());
        s.Audit.Add(AuditActions.TokenIssued, AuditOutcomes.Succeeded, new AuditActor("user", user.Id.ToString()),
            new AuditSubject("user", user.Id.ToString()), Details(request.ClientId, "authorization_code", principal));
        return Results.SignIn(principal, authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    private static async Task<IResult> TokenAsync([AsParameters] Services s)
    {
        var request = s.Http.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("Not an OpenID Connect request.");
        if (request.IsClientCredentialsGrantType())
        {
            var principal = TokenPrincipals.ForClient(request.ClientId!, request.GetScopes());
            s.Audit.Add(AuditActions.TokenIssued, AuditOutcomes.Succeeded, new AuditActor("client", request.ClientId!),
                new AuditSubject("client", request.ClientId!), Details(request.ClientId, GrantTypes.ClientCredentials, principal));
            return Results.SignIn(principal, authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        }
        if (request.IsAuthorizationCodeGrantType() || request.IsRefreshTokenGrantType() || request.IsDeviceCodeGrantType())
        {
            // The principal stored in the code / refresh token / device code, already validated by OpenIddict.
            var stored = (await s.Http.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme)).Principal;
            var user = stored?.GetClaim(Claims.Subject) is { } subject ? await s.Users.FindByIdAsync(subject) : null;
            if (user is null || !await s.SignIns.CanSignInAsync(user) || await s.Users.IsLockedOutAsync(user))
            {
                return Forbid(Errors.InvalidGrant, "The user of this grant can no longer sign in.");
            }
            // Re-evaluated against the user's roles now: a revoked role is gone from the refreshed token.
            var principal = await s.Principals.ForUserAsync(user, TokenPrincipals.RequestedIn(stored!));
            var refreshed = request.IsRefreshTokenGrantType();
            s.Audit.Add(refreshed ? AuditActions.TokenRefreshed : AuditActions.TokenIssued, AuditOutcomes.Succeeded,
                new AuditActor("user", user.Id.ToString()), new AuditSubject("user", user.Id.ToString()),
                Details(request.ClientId, request.GrantType!, principal));
            return Results.SignIn(principal, authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        }
        return Forbid(Errors.UnsupportedGrantType, "The grant type is not supported.");
    }

    private static async Task<IResult> UserInfoAsync(HttpContext http, UserManager<AuthUser> users)
    {
        var principal = (await http.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme)).Principal;
        var user = principal?.GetClaim(Claims.Subject) is { } subject ? await users.FindByIdAsync(subject) : null;
        if (user is null || principal is null)
        {
            return Results.Challenge(Error(Errors.InvalidToken, "The token's user no longer exists."),
                [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
        }
        var claims = new Dictionary<string, object>(StringComparer.Ordinal) { [Claims.Subject] = user.Id.ToString() };
        if (principal.HasScope(Scopes.Email))
        {
            claims[Claims.Email] = user.Email ?? "";
            claims[Claims.EmailVerified] = user.EmailConfirmed;
        }
        if (principal.HasScope(Scopes.Profile))
        {
            claims[Claims.Name] = user.UserName ?? "";
            claims[Claims.Role] = await users.GetRolesAsync(user);
        }
        return Results.Ok(claims);
    }

    internal static IReadOnlyDictionary<string, string> Details(string? clientId, string grant, ClaimsPrincipal principal) =>
        new Dictionary<string, string>
        {
            ["client_id"] = clientId ?? "",
            ["grant_type"] = grant,
            ["scope"] = string.Join(' ', principal.GetScopes()),
        };

    private static IResult Forbid(string error, string description) =>
        Results.Forbid(Error(error, description), [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);

    private static AuthenticationProperties Error(string error, string description) => new(new Dictionary<string, string?>
    {
        [OpenIddictServerAspNetCoreConstants.Properties.Error] = error,
        [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = description,
    });
}
