using System.Globalization;
using LedgerX.Auth.Api.Persistence;
using LedgerX.ServiceDefaults.Audit;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace LedgerX.Auth.IntegrationTests.External;

/// <summary>Sign-in through an external OpenID Connect provider configured in Auth:ExternalProviders, end to end
/// against a second, independent OpenIddict server.</summary>
public sealed class DelegatedSignIn(AuthServer server)
{
    [Fact]
    public async Task TheFirstExternalSignInCreatesALinkedCustomerAndTheNextFindsIt()
    {
        var port = LedgerX.Testing.FreePorts.Next();
        var issuer = string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}/");
        await using var partner = await PartnerIdentityProvider.StartAsync(issuer);
        var settings = AuthServer.Settings(issuer, server.Prefix);
        settings["Auth:ExternalProviders:Partner:Authority"] = partner.Issuer;
        settings["Auth:ExternalProviders:Partner:ClientId"] = PartnerIdentityProvider.ClientId;
        settings["Auth:ExternalProviders:Partner:ClientSecret"] = PartnerIdentityProvider.ClientSecret;
        await using var app = new AuthApp(server.Ports, settings);
        await app.StartAsync(port);

        var first = await SignInThroughPartnerAsync(app);
        var second = await SignInThroughPartnerAsync(app);

        await using var scope = app.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AuthUser>>();
        var user = (await users.FindByLoginAsync("Partner", PartnerIdentityProvider.Subject)).ShouldNotBeNull();
        user.Email.ShouldBe(partner.Email);
        (await users.GetRolesAsync(user)).ShouldBe(["customer"]);
        first.ShouldBe("/account/signed-in");
        second.ShouldBe("/account/signed-in");
    }

    /// <summary>Follows the browser from auth-service's sign-in page through the partner and back; returns where
    /// auth-service finally sends it.</summary>
    private static async Task<string> SignInThroughPartnerAsync(AuthApp app)
    {
        using var browser = new Browser(app.Client.BaseAddress!);
        using var page = await browser.GetAsync("/account/login?returnUrl=%2Faccount%2Fsigned-in");
        var html = await page.Content.ReadAsStringAsync();
        html.ShouldContain("Sign in with Partner");

        using var challenge = await browser.GetAsync("/account/external/Partner?returnUrl=%2Faccount%2Fsigned-in");
        challenge.StatusCode.ShouldBe(HttpStatusCode.Redirect, await challenge.Content.ReadAsStringAsync());
        var atPartner = challenge.Headers.Location!;
        using var partnerAnswer = await browser.GetAsync(atPartner.ToString());
        partnerAnswer.StatusCode.ShouldBe(HttpStatusCode.Redirect, await partnerAnswer.Content.ReadAsStringAsync());
        var callback = partnerAnswer.Headers.Location!;
        callback.AbsolutePath.ShouldBe("/account/external/callback");
        using var back = await browser.GetAsync(callback.PathAndQuery);
        back.StatusCode.ShouldBe(HttpStatusCode.Redirect, await back.Content.ReadAsStringAsync());
        return back.Headers.Location!.ToString();
    }
}
