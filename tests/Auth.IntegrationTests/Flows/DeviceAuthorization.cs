using System.Text.Json;
using LedgerX.ServiceDefaults.Auth;

namespace LedgerX.Auth.IntegrationTests.Flows;

/// <summary>The device flow (RFC 8628), as `./ledgerx login` uses it: the device polls while the user approves in a browser.</summary>
public sealed class DeviceAuthorization(AuthServer server)
{
    [Fact]
    public async Task TheDeviceGetsTokensAfterTheUserApproves()
    {
        using var start = await server.Client.PostAsync("/connect/device", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["client_id"] = AuthServer.CliClient, ["scope"] = $"openid offline_access {Permissions.LedgerRead}",
        }));
        var device = JsonDocument.Parse(await start.Content.ReadAsStringAsync()).RootElement;
        start.StatusCode.ShouldBe(HttpStatusCode.OK, device.ToString());
        var deviceCode = device.GetProperty("device_code").GetString()!;
        var userCode = device.GetProperty("user_code").GetString()!;
        device.GetProperty("verification_uri").GetString().ShouldBe(server.Issuer + "connect/verify");

        var poll = new Dictionary<string, string>
        {
            ["grant_type"] = "urn:ietf:params:oauth:grant-type:device_code", ["device_code"] = deviceCode, ["client_id"] = AuthServer.CliClient,
        };
        (await OAuth.TokenErrorAsync(server.Client, poll)).ShouldBe("authorization_pending");

        using var browser = server.Browser();
        var verify = $"/connect/verify?user_code={Uri.EscapeDataString(userCode)}";
        using (var unsigned = await browser.GetAsync(verify))
        {
            unsigned.StatusCode.ShouldBe(HttpStatusCode.Redirect);
            unsigned.Headers.Location!.ToString().ShouldContain("/account/login");
        }
        using (var signedIn = await browser.SignInAsync(AuthServer.CustomerEmail, AuthServer.CustomerPassword, verify))
        {
            signedIn.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        }
        using var page = await browser.GetAsync(verify);
        var html = await page.Content.ReadAsStringAsync();
        page.StatusCode.ShouldBe(HttpStatusCode.OK, html);
        html.ShouldContain(Permissions.LedgerRead);
        using var approved = await browser.PostFormAsync("/connect/verify", html,
            new Dictionary<string, string> { ["user_code"] = userCode, ["decision"] = "approve" });
        approved.StatusCode.ShouldBe(HttpStatusCode.Redirect, await approved.Content.ReadAsStringAsync());

        var tokens = await OAuth.TokenAsync(server.Client, poll);
        tokens.Scopes.ShouldContain(Permissions.LedgerRead);
        tokens.RefreshToken.ShouldNotBeNull();
        tokens.Jwt.GetClaim("client_id").Value.ShouldBe(AuthServer.CliClient);
    }

    [Fact]
    public async Task AnUnknownUserCodeIsRefused()
    {
        using var browser = server.Browser();
        (await browser.SignInAsync(AuthServer.CustomerEmail, AuthServer.CustomerPassword)).Dispose();

        using var page = await browser.GetAsync("/connect/verify?user_code=1234-5678-9012");

        page.StatusCode.ShouldBe(HttpStatusCode.BadRequest, await page.Content.ReadAsStringAsync());
    }
}
