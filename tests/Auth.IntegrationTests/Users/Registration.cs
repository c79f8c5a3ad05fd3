using LedgerX.Auth.Api.Accounts;
using LedgerX.ServiceDefaults.Audit;
using LedgerX.ServiceDefaults.Auth;

namespace LedgerX.Auth.IntegrationTests.Users;

/// <summary>Register, confirm the email, and what an unconfirmed account may not do.</summary>
public sealed class Registration(AuthServer server)
{
    [Fact]
    public async Task ARegisteredUserSignsInOnlyAfterConfirmingTheEmail()
    {
        var email = Accounts.NewEmail();
        using var registered = await server.Client.PostAsJsonAsync("/api/v1/users/register", new { email, password = Accounts.Password });
        registered.StatusCode.ShouldBe(HttpStatusCode.Created);
        var user = (await registered.Content.ReadFromJsonAsync<JsonObject>())!;
        user["emailConfirmed"]!.GetValue<bool>().ShouldBeFalse();
        user["roles"]!.AsArray().Select(r => r!.GetValue<string>()).ShouldBe(["customer"]);
        var id = user["id"]!.GetValue<Guid>();

        using (var browser = server.Browser())
        using (var early = await browser.SignInAsync(email, Accounts.Password))
        {
            early.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        }

        var token = await Accounts.MessageTokenAsync(server, email, AccountMessage.ConfirmEmail);
        using (var wrong = await server.Client.PostAsJsonAsync("/api/v1/users/confirm", new { userId = id, token = token + "x" }))
        {
            await Problem.ShouldBeValidationAsync(wrong, "token");
        }
        using (var confirmed = await server.Client.PostAsJsonAsync("/api/v1/users/confirm", new { userId = id, token }))
        {
            confirmed.StatusCode.ShouldBe(HttpStatusCode.NoContent);
        }

        using var browser2 = server.Browser();
        using var signedIn = await browser2.SignInAsync(email, Accounts.Password);
        signedIn.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        (await server.AuditAsync(AuditActions.UserRegistered, id.ToString())).Count.ShouldBe(1);
        (await server.AuditAsync(AuditActions.UserConfirmed, id.ToString())).Count.ShouldBe(1);
        (await server.AuditAsync(AuditActions.SignInFailed, id.ToString())).ShouldNotBeEmpty();
    }

    [Fact]
    public async Task TheCallerReadsTheirOwnAccount()
    {
        var (id, email) = await Accounts.ConfirmedUserAsync(server);
        var tokens = await OAuth.CodeFlowAsync(server, email, Accounts.Password, $"openid {Permissions.LedgerRead}");

        using var me = await Accounts.SendAsync(server, HttpMethod.Get, "/api/v1/users/me", tokens.AccessToken);

        me.StatusCode.ShouldBe(HttpStatusCode.OK);
        var body = (await me.Content.ReadFromJsonAsync<JsonObject>())!;
        body["id"]!.GetValue<Guid>().ShouldBe(id);
        body["permissions"]!.AsArray().Select(p => p!.GetValue<string>()).ShouldContain(Permissions.LedgerWrite);
    }

    [Fact]
    public async Task WithoutATokenMeIsUnauthorized()
    {
        using var me = await server.Client.GetAsync("/api/v1/users/me");
        me.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task AMachineTokenIsNotAUser()
    {
        var machine = await OAuth.ClientCredentialsAsync(server.Client, Permissions.LedgerRead);
        using var me = await Accounts.SendAsync(server, HttpMethod.Get, "/api/v1/users/me", machine.AccessToken);
        await Problem.ShouldBeAsync(me, HttpStatusCode.Unauthorized, "not_a_user");
    }
}
