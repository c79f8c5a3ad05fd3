using LedgerX.Auth.Api.Audit;
using LedgerX.Auth.Api.Persistence;
using LedgerX.ServiceDefaults.Audit;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;

namespace LedgerX.Auth.Api.Connect;

/// <summary>
/// The browser sign-in: email + password (with lockout), then the TOTP or a recovery code when the user enabled a
/// second factor. It sets Identity's cookie and returns to the local URL it came from (the authorize or device
/// verification request); any other return URL is refused, so the page is no open redirect.
/// </summary>
public static class SignInPages
{
    public const string LoginPath = "/account/login";
    public const string TwoFactorPath = "/account/2fa";

    public static IEndpointRouteBuilder MapSignInPages(this IEndpointRouteBuilder app)
    {
        var pages = app.MapGroup("/account").ExcludeFromDescription();
        pages.MapGet("/login", (HttpContext http, IAntiforgery antiforgery, ExternalProviders external, string? returnUrl) =>
            LoginPage(http, antiforgery, external, returnUrl, null, StatusCodes.Status200OK));
        pages.MapPost("/login", LoginAsync);
        pages.MapGet("/2fa", (HttpContext http, IAntiforgery antiforgery, string? returnUrl) =>
            TwoFactorPage(http, antiforgery, returnUrl, null, StatusCodes.Status200OK));
        pages.MapPost("/2fa", TwoFactorAsync);
        return app;
    }

    public sealed record LoginForm(string? Email, string? Password, string? ReturnUrl);

    public sealed record TwoFactorForm(string? Code, string? RecoveryCode, string? ReturnUrl);

    private static async Task<IResult> LoginAsync(
        [FromForm] LoginForm form, HttpContext http, IAntiforgery antiforgery, ExternalProviders external,
        UserManager<AuthUser> users, SignInManager<AuthUser> signIns, ISecurityAudit audit)
    {
        var user = string.IsNullOrWhiteSpace(form.Email) ? null : await users.FindByEmailAsync(form.Email);
        if (user is null || string.IsNullOrEmpty(form.Password))
        {
            await audit.RecordAsync(AuditActions.SignInFailed, AuditOutcomes.Failed, AuditActor.Anonymous, null,
                new Dictionary<string, string> { ["reason"] = "unknown_user" });
            return LoginPage(http, antiforgery, external, form.ReturnUrl, "Wrong email or password.", StatusCodes.Status401Unauthorized);
        }
        var result = await signIns.PasswordSignInAsync(user, form.Password, isPersistent: false, lockoutOnFailure: true);
        return await AfterPasswordAsync(result, user, form.ReturnUrl, http, antiforgery, external, audit);
    }

    private static async Task<IResult> AfterPasswordAsync(
        Microsoft.AspNetCore.Identity.SignInResult result, AuthUser user, string? returnUrl, HttpContext http, IAntiforgery antiforgery, ExternalProviders external, ISecurityAudit audit)
    {
        var actor = new AuditActor("user", user.Id.ToString());
        var subject = new AuditSubject("user", user.Id.ToString());
        if (result.Succeeded)
        {
            await audit.RecordAsync(AuditActions.SignInSucceeded, AuditOutcomes.Succeeded, actor, subject, Factor("password"));
            return Results.Redirect(SafeReturnUrl(returnUrl));
        }
        if (result.RequiresTwoFactor)
        {
            return Results.Redirect($"{TwoFactorPath}?returnUrl={Uri.EscapeDataString(SafeReturnUrl(returnUrl))}");
        }
        if (result.IsLockedOut)
        {
            await audit.RecordAsync(AuditActions.LockedOut, AuditOutcomes.Denied, actor, subject);
            return LoginPage(http, antiforgery, external, returnUrl, "This account is locked. Try again later.", StatusCodes.Status423Locked);
        }
        if (result.IsNotAllowed)
        {
            await audit.RecordAsync(AuditActions.SignInFailed, AuditOutcomes.Denied, actor, subject, new Dictionary<string, string> { ["reason"] = "email_not_confirmed" });
            return LoginPage(http, antiforgery, external, returnUrl, "Confirm your email address first.", StatusCodes.Status403Forbidden);
        }
        await audit.RecordAsync(AuditActions.SignInFailed, AuditOutcomes.Failed, actor, subject, new Dictionary<string, string> { ["reason"] = "wrong_password" });
        return LoginPage(http, antiforgery, external, returnUrl, "Wrong email or password.", StatusCodes.Status401Unauthorized);
    }

    private static async Task<IResult> TwoFactorAsync(
        [FromForm] TwoFactorForm form, HttpContext http, IAntiforgery antiforgery, SignInManager<AuthUser> signIns, ISecurityAudit audit)
    {
        var user = await signIns.GetTwoFactorAuthenticationUserAsync();
        if (user is null)
        {
            return Results.Redirect($"{LoginPath}?returnUrl={Uri.EscapeDataString(SafeReturnUrl(form.ReturnUrl))}");
        }
        var recovery = !string.IsNullOrWhiteSpace(form.RecoveryCode);
        var result = recovery
            ? await signIns.TwoFactorRecoveryCodeSignInAsync(form.RecoveryCode!.Replace(" ", "", StringComparison.Ordinal))
            : await signIns.TwoFactorAuthenticatorSignInAsync((form.Code ?? "").Replace(" ", "", StringComparison.Ordinal), isPersistent: false, rememberClient: false);
        var actor = new AuditActor("user", user.Id.ToString());
        var subject = new AuditSubject("user", user.Id.ToString());
        if (result.Succeeded)
        {
            await audit.RecordAsync(AuditActions.SignInSucceeded, AuditOutcomes.Succeeded, actor, subject, Factor(recovery ? "password+recovery_code" : "password+totp"));
            return Results.Redirect(SafeReturnUrl(form.ReturnUrl));
        }
        if (result.IsLockedOut)
        {
            await audit.RecordAsync(AuditActions.LockedOut, AuditOutcomes.Denied, actor, subject);
            return TwoFactorPage(http, antiforgery, form.ReturnUrl, "This account is locked. Try again later.", StatusCodes.Status423Locked);
        }
        await audit.RecordAsync(AuditActions.SignInFailed, AuditOutcomes.Failed, actor, subject, new Dictionary<string, string> { ["reason"] = "wrong_second_factor" });
        return TwoFactorPage(http, antiforgery, form.ReturnUrl, "That code is not valid.", StatusCodes.Status401Unauthorized);
    }

    private static Dictionary<string, string> Factor(string factor) => new() { ["factor"] = factor };

    /// <summary>Only local paths: a crafted link must not send a signed-in user elsewhere.</summary>
    internal static string SafeReturnUrl(string? returnUrl) =>
        returnUrl is { Length: > 0 } url && url.StartsWith('/') && !url.StartsWith("//", StringComparison.Ordinal) && !url.StartsWith("/\\", StringComparison.Ordinal)
            ? url : "/account/signed-in";

    private static IResult LoginPage(HttpContext http, IAntiforgery antiforgery, ExternalProviders external, string? returnUrl, string? error, int status)
    {
        var safe = SafeReturnUrl(returnUrl);
        var providers = string.Concat(external.Names.Select(name =>
            $"""<p><a href="{Html.E(ExternalProviders.ChallengePath(name, safe))}">Sign in with {Html.E(name)}</a></p>"""));
        return Html.Page("Sign in", $"""
            {Html.Error(error)}
            <form method="post" action="{LoginPath}">
              {Html.Antiforgery(antiforgery, http)}
              <input type="hidden" name="returnUrl" value="{Html.E(safe)}">
              <p><label>Email <input name="email" type="email" autocomplete="username" required></label></p>
              <p><label>Password <input name="password" type="password" autocomplete="current-password" required></label></p>
              <p><button type="submit">Sign in</button></p>
            </form>
            {providers}
            """, status);
    }

    private static IResult TwoFactorPage(HttpContext http, IAntiforgery antiforgery, string? returnUrl, string? error, int status) =>
        Html.Page("Second factor", $"""
            {Html.Error(error)}
            <form method="post" action="{TwoFactorPath}">
              {Html.Antiforgery(antiforgery, http)}
              <input type="hidden" name="returnUrl" value="{Html.E(SafeReturnUrl(returnUrl))}">
              <p><label>Code from your authenticator app <input name="code" inputmode="numeric" autocomplete="one-time-code"></label></p>
              <p><label>Or a recovery code <input name="recoveryCode"></label></p>
              <p><button type="submit">Continue</button></p>
            </form>
            """, status);
}
