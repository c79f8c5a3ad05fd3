using System.Text.RegularExpressions;
using LedgerX.ServiceDefaults.Audit;
using OtpNet;

namespace LedgerX.Auth.IntegrationTests.Users;

/// <summary>TOTP as a second factor: set up, enabled with a verified code, asked for at sign-in, recovery codes.</summary>
public sealed partial class TwoFactor(AuthServer server)
{
    [Fact]
    public async Task EnabledTotpIsAskedForAtSignInAndARecoveryCodeWorksOnce()
    {
        var (id, email) = await Accounts.ConfirmedUserAsync(server);
        var tokens = await OAuth.CodeFlowAsync(server, email, Accounts.Password, "openid");

        using var setup = await Accounts.SendAsync(server, HttpMethod.Post, "/api/v1/users/me/2fa/setup", tokens.AccessToken);
        setup.StatusCode.ShouldBe(HttpStatusCode.OK);
        var body = (await setup.Content.ReadFromJsonAsync<JsonObject>())!;
        body["authenticatorUri"]!.GetValue<string>().ShouldStartWith("otpauth://totp/LedgerX:");
        var totp = new Totp(Base32Encoding.ToBytes(body["sharedKey"]!.GetValue<string>()));

        using (var wrong = await Accounts.SendAsync(server, HttpMethod.Post, "/api/v1/users/me/2fa/enable", tokens.AccessToken, new { code = "000000" }))
        {
            await Problem.ShouldBeValidationAsync(wrong, "code");
        }
        using var enabled = await Accounts.SendAsync(server, HttpMethod.Post, "/api/v1/users/me/2fa/enable", tokens.AccessToken,
            new { code = totp.ComputeTotp() });
        enabled.StatusCode.ShouldBe(HttpStatusCode.OK, await enabled.Content.ReadAsStringAsync());
        var recovery = (await enabled.Content.ReadFromJsonAsync<JsonObject>())!["recoveryCodes"]!.AsArray().Select(c => c!.GetValue<string>()).ToList();
        recovery.Count.ShouldBe(10);

        // The password alone now leads to the second-factor page, not to a session.
        using var browser = server.Browser();
        using var password = await browser.SignInAsync(email, Accounts.Password);
        password.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        var twoFactorPage = password.Headers.Location!.ToString();
        twoFactorPage.ShouldStartWith("/account/2fa");
        using (var wrongCode = await browser.SubmitAsync(twoFactorPage, "/account/2fa", Form(code: "123456")))
        {
            wrongCode.StatusCode.ShouldBe(HttpStatusCode.Unauthorized, await wrongCode.Content.ReadAsStringAsync());
        }
        using (var right = await browser.SubmitAsync(twoFactorPage, "/account/2fa", Form(code: totp.ComputeTotp())))
        {
            right.StatusCode.ShouldBe(HttpStatusCode.Redirect, await right.Content.ReadAsStringAsync());
        }

        // A recovery code stands in for the authenticator, once.
        using var other = server.Browser();
        (await other.SignInAsync(email, Accounts.Password)).Dispose();
        using (var byRecovery = await other.SubmitAsync("/account/2fa", "/account/2fa", Form(recoveryCode: recovery[0])))
        {
            byRecovery.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        }
        using var third = server.Browser();
        (await third.SignInAsync(email, Accounts.Password)).Dispose();
        using (var reused = await third.SubmitAsync("/account/2fa", "/account/2fa", Form(recoveryCode: recovery[0])))
        {
            reused.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        }

        (await server.AuditAsync(AuditActions.TwoFactorEnabled, id.ToString())).Count.ShouldBe(1);
        (await server.AuditAsync(AuditActions.SignInSucceeded, id.ToString()))
            .Select(e => e.GetProperty("details").GetProperty("factor").GetString()).ShouldContain("password+totp");
    }

    /// <summary>What a browser posts: every field of the form, the unused one empty.</summary>
    private static Dictionary<string, string> Form(string code = "", string recoveryCode = "") =>
        new() { ["code"] = code, ["recoveryCode"] = recoveryCode, ["returnUrl"] = "/account/signed-in" };

    [Fact]
    public async Task TurningItOffNeedsACurrentCode()
    {
        var (id, email) = await Accounts.ConfirmedUserAsync(server);
        var tokens = await OAuth.CodeFlowAsync(server, email, Accounts.Password, "openid");
        using var setup = await Accounts.SendAsync(server, HttpMethod.Post, "/api/v1/users/me/2fa/setup", tokens.AccessToken);
        var totp = new Totp(Base32Encoding.ToBytes((await setup.Content.ReadFromJsonAsync<JsonObject>())!["sharedKey"]!.GetValue<string>()));
        (await Accounts.SendAsync(server, HttpMethod.Post, "/api/v1/users/me/2fa/enable", tokens.AccessToken, new { code = totp.ComputeTotp() })).Dispose();

        using (var noCode = await Accounts.SendAsync(server, HttpMethod.Post, "/api/v1/users/me/2fa/disable", tokens.AccessToken, new { code = "" }))
        {
            await Problem.ShouldBeValidationAsync(noCode, "code");
        }
        using (var off = await Accounts.SendAsync(server, HttpMethod.Post, "/api/v1/users/me/2fa/disable", tokens.AccessToken, new { code = totp.ComputeTotp() }))
        {
            off.StatusCode.ShouldBe(HttpStatusCode.NoContent);
        }

        using var browser = server.Browser();
        using var signedIn = await browser.SignInAsync(email, Accounts.Password);
        signedIn.Headers.Location!.ToString().ShouldBe("/account/signed-in");
        (await server.AuditAsync(AuditActions.TwoFactorDisabled, id.ToString())).Count.ShouldBe(1);
    }
}
