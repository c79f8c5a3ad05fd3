using LedgerX.Auth.Api.Accounts;
using LedgerX.ServiceDefaults.Audit;

namespace LedgerX.Auth.IntegrationTests.Users;

/// <summary>Password change, reset by token, the policy, and lockout after repeated failures.</summary>
public sealed class Passwords(AuthServer server)
{
    private const string NewPassword = "Another-Passw0rd-Long";

    [Fact]
    public async Task AChangedPasswordReplacesTheOldOne()
    {
        var (id, email) = await Accounts.ConfirmedUserAsync(server);
        var tokens = await OAuth.CodeFlowAsync(server, email, Accounts.Password, "openid");

        using (var wrong = await Accounts.SendAsync(server, HttpMethod.Post, "/api/v1/users/me/password", tokens.AccessToken,
            new { currentPassword = "not-it", newPassword = NewPassword }))
        {
            await Problem.ShouldBeValidationAsync(wrong, "currentPassword");
        }
        using (var weak = await Accounts.SendAsync(server, HttpMethod.Post, "/api/v1/users/me/password", tokens.AccessToken,
            new { currentPassword = Accounts.Password, newPassword = "short" }))
        {
            await Problem.ShouldBeValidationAsync(weak, "newPassword");
        }
        using (var changed = await Accounts.SendAsync(server, HttpMethod.Post, "/api/v1/users/me/password", tokens.AccessToken,
            new { currentPassword = Accounts.Password, newPassword = NewPassword }))
        {
            changed.StatusCode.ShouldBe(HttpStatusCode.NoContent);
        }

        using (var browser = server.Browser())
        using (var old = await browser.SignInAsync(email, Accounts.Password))
        {
            old.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        }
        using var browser2 = server.Browser();
        (await browser2.SignInAsync(email, NewPassword)).StatusCode.ShouldBe(HttpStatusCode.Redirect);
        (await server.AuditAsync(AuditActions.PasswordChanged, id.ToString())).Count.ShouldBe(1);
    }

    [Fact]
    public async Task AResetTokenSetsANewPassword()
    {
        var (id, email) = await Accounts.ConfirmedUserAsync(server);

        using (var forgot = await server.Client.PostAsJsonAsync("/api/v1/users/password/forgot", new { email }))
        {
            forgot.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        }
        // An unknown address gets the same answer, so the endpoint does not reveal who has an account.
        using (var unknown = await server.Client.PostAsJsonAsync("/api/v1/users/password/forgot", new { email = Accounts.NewEmail() }))
        {
            unknown.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        }
        var token = await Accounts.MessageTokenAsync(server, email, AccountMessage.ResetPassword);
        using (var reset = await server.Client.PostAsJsonAsync("/api/v1/users/password/reset", new { userId = id, token, newPassword = NewPassword }))
        {
            reset.StatusCode.ShouldBe(HttpStatusCode.NoContent);
        }
        // A reset token works once: the password change rotates the security stamp it is bound to.
        using (var again = await server.Client.PostAsJsonAsync("/api/v1/users/password/reset", new { userId = id, token, newPassword = NewPassword + "2" }))
        {
            await Problem.ShouldBeValidationAsync(again, "token");
        }

        using var browser = server.Browser();
        (await browser.SignInAsync(email, NewPassword)).StatusCode.ShouldBe(HttpStatusCode.Redirect);
        (await server.AuditAsync(AuditActions.PasswordReset, id.ToString())).Count.ShouldBe(1);
    }

    [Fact]
    public async Task RepeatedFailuresLockTheAccountEvenForTheRightPassword()
    {
        var (id, email) = await Accounts.ConfirmedUserAsync(server);
        using var browser = server.Browser();

        for (var attempt = 1; attempt < AuthServer.LockoutAttempts; attempt++)
        {
            (await browser.SignInAsync(email, "Wrong-Passw0rd-Long")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        }
        (await browser.SignInAsync(email, "Wrong-Passw0rd-Long")).StatusCode.ShouldBe((HttpStatusCode)StatusCodes.Locked);
        (await browser.SignInAsync(email, Accounts.Password)).StatusCode.ShouldBe((HttpStatusCode)StatusCodes.Locked);

        (await server.AuditAsync(AuditActions.SignInFailed, id.ToString())).Count.ShouldBe(AuthServer.LockoutAttempts - 1);
        (await server.AuditAsync(AuditActions.LockedOut, id.ToString())).ShouldNotBeEmpty();
    }

    private static class StatusCodes
    {
        public const int Locked = 423;
    }
}
