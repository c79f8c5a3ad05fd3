using System.Globalization;
using System.Security.Claims;
using System.Text.Encodings.Web;
using LedgerX.Auth.Api.Accounts;
using LedgerX.Auth.Api.Audit;
using LedgerX.Auth.Api.Persistence;
using LedgerX.Auth.Api.Roles;
using LedgerX.ServiceDefaults;
using LedgerX.ServiceDefaults.Audit;
using LedgerX.ServiceDefaults.Auth;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;

namespace LedgerX.Auth.Api.Apis;

/// <summary>
/// Users: register, confirm the email, the caller's own account (/me), password change and reset, and the TOTP second
/// factor. Tokens for confirmation and reset travel through <see cref="IAccountMessages"/>, never in a response.
/// </summary>
public static class UsersApi
{
    public const string AuthenticatorIssuer = "LedgerX";

    public static IEndpointRouteBuilder MapUsersApi(this IEndpointRouteBuilder app)
    {
        var users = app.MapGroup("/api/v1/users").WithTags("Users");
        users.MapPost("/register", Register).WithName("RegisterUser").WithSummary("Create a customer account; a confirmation token is sent")
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status409Conflict).AllowAnonymous();
        users.MapPost("/confirm", Confirm).WithName("ConfirmEmail").WithSummary("Confirm the email address with the token sent")
            .ProducesValidationProblem().AllowAnonymous();
        users.MapPost("/password/forgot", Forgot).WithName("ForgotPassword").WithSummary("Send a password reset token if the address is known")
            .ProducesValidationProblem().AllowAnonymous();
        users.MapPost("/password/reset", Reset).WithName("ResetPassword").WithSummary("Set a new password with a reset token")
            .ProducesValidationProblem().AllowAnonymous();

        var me = users.MapGroup("/me").RequireAuthorization(AuthRegistration.UserPolicy)
            .ProducesProblem(StatusCodes.Status401Unauthorized);
        me.MapGet("/", Me).WithName("GetMe").WithSummary("The caller's account, roles and permissions");
        me.MapPost("/password", ChangePassword).WithName("ChangePassword").WithSummary("Change the password (the current one is required)")
            .ProducesValidationProblem();
        me.MapPost("/2fa/setup", SetUpAuthenticator).WithName("SetUpAuthenticator").WithSummary("A new authenticator key (not active until enabled)")
            .ProducesProblem(StatusCodes.Status409Conflict);
        me.MapPost("/2fa/enable", EnableTwoFactor).WithName("EnableTwoFactor").WithSummary("Turn the second factor on with a code from the authenticator")
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status409Conflict);
        me.MapPost("/2fa/disable", DisableTwoFactor).WithName("DisableTwoFactor").WithSummary("Turn the second factor off with a current code")
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status409Conflict);
        return app;
    }

    public static async Task<Results<Created<UserResponse>, ValidationProblem, ProblemHttpResult>> Register(
        RegisterRequest body, UserManager<AuthUser> users, IAccountMessages messages, ISecurityAudit audit, TimeProvider clock, AuthDbContext db)
    {
        if (string.IsNullOrWhiteSpace(body.Email))
        {
            return Problems.Validation("email", "An email address is required.");
        }
        if (string.IsNullOrEmpty(body.Password))
        {
            return Problems.Validation("password", "A password is required.");
        }
        if (await users.FindByEmailAsync(body.Email) is not null)
        {
            return Problems.Conflict("email_taken", "An account with this email address exists.");
        }
        var now = clock.GetUtcNow();
        var user = new AuthUser { Id = Guid.CreateVersion7(now), UserName = body.Email, Email = body.Email, CreatedAt = now };
        // Password and email checks first, so an invalid request leaves nothing (not even an audit event) behind.
        var checks = new List<IdentityError>();
        foreach (var validator in users.PasswordValidators)
        {
            checks.AddRange((await validator.ValidateAsync(users, user, body.Password)).Errors);
        }
        foreach (var validator in users.UserValidators)
        {
            checks.AddRange((await validator.ValidateAsync(users, user)).Errors);
        }
        if (checks.Count > 0)
        {
            return IdentityProblems.Of(IdentityResult.Failed([.. checks]));
        }
        // The user, its role, the confirmation message and the audit event commit together or not at all.
        await using var transaction = await db.Database.BeginTransactionAsync();
        audit.Add(AuditActions.UserRegistered, AuditOutcomes.Succeeded, new AuditActor("user", user.Id.ToString()), Subject(user));
        var created = await users.CreateAsync(user, body.Password);
        if (!created.Succeeded)
        {
            audit.DiscardPending();
            return IdentityProblems.Of(created);
        }
        messages.Send(AccountMessage.ConfirmEmail, user, await users.GenerateEmailConfirmationTokenAsync(user));
        UserContacts.Publish(db, user, clock);
        await users.AddToRoleAsync(user, RolePermissions.Customer);
        await transaction.CommitAsync();
        return TypedResults.Created($"/api/v1/users/me", await ToResponseAsync(users, user));
    }

    public static async Task<Results<NoContent, ValidationProblem>> Confirm(
        ConfirmEmailRequest body, UserManager<AuthUser> users, ISecurityAudit audit, AuthDbContext db, TimeProvider clock)
    {
        if (body.UserId is null || string.IsNullOrEmpty(body.Token))
        {
            return Problems.Validation(body.UserId is null ? "userId" : "token", "The user id and the token are required.");
        }
        var user = await users.FindByIdAsync(body.UserId.Value.ToString());
        if (user is null)
        {
            // The same answer as a wrong token: the endpoint does not tell which ids exist.
            return Problems.Validation("token", "The token is not valid for this user.");
        }
        audit.Add(AuditActions.UserConfirmed, AuditOutcomes.Succeeded, new AuditActor("user", user.Id.ToString()), Subject(user));
        var confirmed = await users.ConfirmEmailAsync(user, body.Token);
        if (!confirmed.Succeeded)
        {
            audit.DiscardPending();
            return IdentityProblems.Of(confirmed);
        }
        // The address is confirmed now: notification-service may start e-mailing it.
        UserContacts.Publish(db, user, clock);
        await db.SaveChangesAsync();
        return TypedResults.NoContent();
    }

    public static async Task<Results<Accepted, ValidationProblem>> Forgot(ForgotPasswordRequest body, UserManager<AuthUser> users, IAccountMessages messages, AuthDbContext db)
    {
        if (string.IsNullOrWhiteSpace(body.Email))
        {
            return Problems.Validation("email", "An email address is required.");
        }
        // Always 202: the answer does not reveal whether an account exists.
        if (await users.FindByEmailAsync(body.Email) is { EmailConfirmed: true } user)
        {
            messages.Send(AccountMessage.ResetPassword, user, await users.GeneratePasswordResetTokenAsync(user));
            await db.SaveChangesAsync();
        }
        return TypedResults.Accepted((string?)null);
    }

    public static async Task<Results<NoContent, ValidationProblem>> Reset(ResetPasswordRequest body, UserManager<AuthUser> users, ISecurityAudit audit)
    {
        if (body.UserId is null || string.IsNullOrEmpty(body.Token) || string.IsNullOrEmpty(body.NewPassword))
        {
            return Problems.Validation(body.UserId is null ? "userId" : string.IsNullOrEmpty(body.Token) ? "token" : "newPassword",
                "The user id, the token and the new password are required.");
        }
        var user = await users.FindByIdAsync(body.UserId.Value.ToString());
        if (user is null)
        {
            return Problems.Validation("token", "The token is not valid for this user.");
        }
        audit.Add(AuditActions.PasswordReset, AuditOutcomes.Succeeded, new AuditActor("user", user.Id.ToString()), Subject(user));
        var reset = await users.ResetPasswordAsync(user, body.Token, body.NewPassword);
        if (!reset.Succeeded)
        {
            audit.DiscardPending();
            return IdentityProblems.Of(reset, "newPassword");
        }
        return TypedResults.NoContent();
    }

    public static async Task<Results<Ok<UserResponse>, ProblemHttpResult>> Me(ClaimsPrincipal caller, UserManager<AuthUser> users) =>
        await CallerAsync(caller, users) is { } user ? TypedResults.Ok(await ToResponseAsync(users, user)) : Gone();

    public static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> ChangePassword(
        ChangePasswordRequest body, ClaimsPrincipal caller, UserManager<AuthUser> users, ISecurityAudit audit)
    {
        if (await CallerAsync(caller, users) is not { } user)
        {
            return Gone();
        }
        if (string.IsNullOrEmpty(body.CurrentPassword) || string.IsNullOrEmpty(body.NewPassword))
        {
            return Problems.Validation(string.IsNullOrEmpty(body.CurrentPassword) ? "currentPassword" : "newPassword", "Both passwords are required.");
        }
        audit.Add(AuditActions.PasswordChanged, AuditOutcomes.Succeeded, AuditActor.From(caller), Subject(user));
        var changed = await users.ChangePasswordAsync(user, body.CurrentPassword, body.NewPassword);
        if (!changed.Succeeded)
        {
            audit.DiscardPending();
            // Identity reports a wrong current password as PasswordMismatch.
            return changed.Errors.Any(e => e.Code == "PasswordMismatch")
                ? Problems.Validation("currentPassword", "The current password is wrong.")
                : IdentityProblems.Of(changed, "newPassword");
        }
        return TypedResults.NoContent();
    }

    public static async Task<Results<Ok<AuthenticatorSetupResponse>, ProblemHttpResult>> SetUpAuthenticator(
        ClaimsPrincipal caller, UserManager<AuthUser> users, UrlEncoder url)
    {
        if (await CallerAsync(caller, users) is not { } user)
        {
            return Gone();
        }
        if (await users.GetTwoFactorEnabledAsync(user))
        {
            return Problems.Conflict("two_factor_enabled", "The second factor is on; turn it off before setting up a new authenticator.");
        }
        await users.ResetAuthenticatorKeyAsync(user);
        var key = await users.GetAuthenticatorKeyAsync(user) ?? throw new InvalidOperationException("Identity produced no authenticator key.");
        var uri = string.Create(CultureInfo.InvariantCulture,
            $"otpauth://totp/{url.Encode(AuthenticatorIssuer)}:{url.Encode(user.Email!)}?secret={key}&issuer={url.Encode(AuthenticatorIssuer)}&digits=6");
        return TypedResults.Ok(new AuthenticatorSetupResponse(key, uri));
    }

    public static async Task<Results<Ok<RecoveryCodesResponse>, ValidationProblem, ProblemHttpResult>> EnableTwoFactor(
        TwoFactorCodeRequest body, ClaimsPrincipal caller, UserManager<AuthUser> users, ISecurityAudit audit, AuthDbContext db)
    {
        if (await CallerAsync(caller, users) is not { } user)
        {
            return Gone();
        }
        if (await users.GetAuthenticatorKeyAsync(user) is null)
        {
            return Problems.Conflict("authenticator_not_set_up", "Set up an authenticator first (POST /api/v1/users/me/2fa/setup).");
        }
        if (!await VerifyCodeAsync(users, user, body.Code))
        {
            return Problems.Validation("code", "The code is not valid; check the authenticator's clock.");
        }
        await using var transaction = await db.Database.BeginTransactionAsync();
        var codes = await users.GenerateNewTwoFactorRecoveryCodesAsync(user, 10) ?? [];
        audit.Add(AuditActions.TwoFactorEnabled, AuditOutcomes.Succeeded, AuditActor.From(caller), Subject(user));
        var enabled = await users.SetTwoFactorEnabledAsync(user, true);
        if (!enabled.Succeeded)
        {
            audit.DiscardPending();
            return IdentityProblems.Of(enabled);
        }
        await transaction.CommitAsync();
        return TypedResults.Ok(new RecoveryCodesResponse([.. codes]));
    }

    public static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> DisableTwoFactor(
        TwoFactorCodeRequest body, ClaimsPrincipal caller, UserManager<AuthUser> users, ISecurityAudit audit, AuthDbContext db)
    {
        if (await CallerAsync(caller, users) is not { } user)
        {
            return Gone();
        }
        if (!await users.GetTwoFactorEnabledAsync(user))
        {
            return Problems.Conflict("two_factor_disabled", "The second factor is already off.");
        }
        if (!await VerifyCodeAsync(users, user, body.Code))
        {
            return Problems.Validation("code", "The code is not valid.");
        }
        await using var transaction = await db.Database.BeginTransactionAsync();
        audit.Add(AuditActions.TwoFactorDisabled, AuditOutcomes.Succeeded, AuditActor.From(caller), Subject(user));
        await users.SetTwoFactorEnabledAsync(user, false);
        await users.ResetAuthenticatorKeyAsync(user);
        await transaction.CommitAsync();
        return TypedResults.NoContent();
    }

    private static async Task<bool> VerifyCodeAsync(UserManager<AuthUser> users, AuthUser user, string? code) =>
        !string.IsNullOrWhiteSpace(code) &&
        await users.VerifyTwoFactorTokenAsync(user, users.Options.Tokens.AuthenticatorTokenProvider, code.Replace(" ", "", StringComparison.Ordinal));

    /// <summary>The caller's own account, looked up through the token's subject (never an id from the request).</summary>
    internal static async Task<AuthUser?> CallerAsync(ClaimsPrincipal caller, UserManager<AuthUser> users) =>
        caller.SubjectId() is { } subject && Guid.TryParse(subject, out _) ? await users.FindByIdAsync(subject) : null;

    internal static async Task<UserResponse> ToResponseAsync(UserManager<AuthUser> users, AuthUser user)
    {
        var roles = (await users.GetRolesAsync(user)).Order(StringComparer.Ordinal).ToList();
        return new UserResponse(user.Id, user.Email ?? "", user.EmailConfirmed, user.TwoFactorEnabled, roles,
            [.. RolePermissions.AllowedBy(roles).Order(StringComparer.Ordinal)]);
    }

    private static AuditSubject Subject(AuthUser user) => new("user", user.Id.ToString());

    /// <summary>A token whose subject is not a user (a machine client) or whose user was deleted.</summary>
    private static ProblemHttpResult Gone() =>
        Problems.Problem(StatusCodes.Status401Unauthorized, "not_a_user", "This token does not belong to a user account.");
}
