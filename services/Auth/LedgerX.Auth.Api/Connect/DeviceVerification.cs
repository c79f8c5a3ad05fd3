using LedgerX.Auth.Api.Audit;
using LedgerX.Auth.Api.Persistence;
using LedgerX.ServiceDefaults.Audit;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace LedgerX.Auth.Api.Connect;

/// <summary>
/// The device flow's verification page (RFC 8628 §3.3): the signed-in user enters or follows the user code, sees
/// which client asks for which scopes, and approves or denies. Approval issues the device's tokens with the scopes the
/// user's roles allow.
/// </summary>
public static class DeviceVerification
{
    public const string ApprovedPath = "/account/device-approved";

    public static IEndpointRouteBuilder MapDeviceVerification(this IEndpointRouteBuilder app)
    {
        app.MapGet("/" + Endpoints.Verify, ShowAsync).ExcludeFromDescription();
        app.MapPost("/" + Endpoints.Verify, DecideAsync).ExcludeFromDescription();
        app.MapGet(ApprovedPath, () => Html.Page("Device signed in", "<p>You can close this window and return to your device.</p>")).ExcludeFromDescription();
        app.MapGet("/account/signed-in", () => Html.Page("Signed in", "<p>You are signed in to LedgerX.</p>")).ExcludeFromDescription();
        return app;
    }

    private static async Task<IResult> ShowAsync(HttpContext http, IAntiforgery antiforgery)
    {
        if (await SignedInOrChallengeAsync(http) is { } challenge)
        {
            return challenge;
        }
        var request = http.GetOpenIddictServerRequest();
        var device = await http.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        if (string.IsNullOrEmpty(request?.UserCode))
        {
            return Html.Page("Connect a device", $"""
                <form method="get" action="/{Endpoints.Verify}">
                  <p><label>Code shown on your device <input name="user_code" required autocomplete="off"></label></p>
                  <p><button type="submit">Continue</button></p>
                </form>
                """);
        }
        // OpenIddict authenticates even an unknown user code; only a known one carries the client it was issued to.
        if (!device.Succeeded || device.Principal?.GetClaim(Claims.ClientId) is not { } client)
        {
            return Html.Page("Connect a device", Html.Error("That code is not valid or has expired."), StatusCodes.Status400BadRequest);
        }
        var scopes = string.Join(", ", device.Principal.GetScopes());
        return Html.Page("Connect a device", $"""
            <p>{Html.E(client)} asks to act for you with: {Html.E(scopes)}.</p>
            <form method="post" action="/{Endpoints.Verify}">
              {Html.Antiforgery(antiforgery, http)}
              <input type="hidden" name="user_code" value="{Html.E(request.UserCode)}">
              <p><button type="submit" name="decision" value="approve">Approve</button>
                 <button type="submit" name="decision" value="deny">Deny</button></p>
            </form>
            """);
    }

    private static async Task<IResult> DecideAsync(
        HttpContext http, IAntiforgery antiforgery, UserManager<AuthUser> users, TokenPrincipals principals, ISecurityAudit audit)
    {
        if (!await antiforgery.IsRequestValidAsync(http))
        {
            return Html.Page("Connect a device", Html.Error("The form expired; open the page again."), StatusCodes.Status400BadRequest);
        }
        if (await SignedInOrChallengeAsync(http) is { } challenge)
        {
            return challenge;
        }
        var device = await http.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        if (!device.Succeeded || device.Principal?.GetClaim(Claims.ClientId) is not { } client)
        {
            return Html.Page("Connect a device", Html.Error("That code is not valid or has expired."), StatusCodes.Status400BadRequest);
        }
        var user = await users.GetUserAsync(http.User);
        if (user is null || http.Request.Form["decision"] != "approve")
        {
            // Denied: the device's next poll gets access_denied.
            return Results.Forbid(new AuthenticationProperties { RedirectUri = "/" }, [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
        }
        var principal = await principals.ForUserAsync(user, device.Principal.GetScopes());
        audit.Add(AuditActions.TokenIssued, AuditOutcomes.Succeeded, new AuditActor("user", user.Id.ToString()),
            new AuditSubject("user", user.Id.ToString()),
            ConnectApi.Details(client, GrantTypes.DeviceCode, principal));
        return Results.SignIn(principal, new AuthenticationProperties { RedirectUri = ApprovedPath },
            OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    /// <summary>Null when a user is signed in (the cookie is read into HttpContext.User); else the sign-in redirect.</summary>
    private static async Task<IResult?> SignedInOrChallengeAsync(HttpContext http)
    {
        var cookie = await http.AuthenticateAsync(IdentityConstants.ApplicationScheme);
        if (cookie.Succeeded)
        {
            http.User = cookie.Principal!;
            return null;
        }
        var returnUrl = http.Request.PathBase + http.Request.Path + http.Request.QueryString;
        return Results.Challenge(new AuthenticationProperties { RedirectUri = returnUrl }, [IdentityConstants.ApplicationScheme]);
    }
}
