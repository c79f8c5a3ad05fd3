using LedgerX.ServiceDefaults.Audit;
using LedgerX.ServiceDefaults.Auth;

namespace LedgerX.Auth.IntegrationTests.Flows;

/// <summary>Code + PKCE through the HTML sign-in page, as the CLI or a web app does it.</summary>
public sealed class AuthorizationCodeWithPkce(AuthServer server)
{
    [Fact]
    public async Task IssuesAJwtWithTheRequestedScopesTheRolesAllow()
    {
        var tokens = await OAuth.CodeFlowAsync(server, AuthServer.CustomerEmail, AuthServer.CustomerPassword,
            $"openid offline_access {Permissions.LedgerRead} {Permissions.UsersAdmin}");

        var jwt = tokens.Jwt;
        jwt.Issuer.ShouldBe(server.Issuer);
        jwt.Audiences.ShouldBe([LedgerXClaims.ApiAudience]);
        jwt.GetClaim("client_id").Value.ShouldBe(AuthServer.CliClient);
        // A customer asked for users:admin too; the roles do not allow it, so it is left out. The identity scopes
        // (openid, offline_access) stay: they are what the client asked to receive an id token and a refresh token.
        tokens.Scopes.Where(Permissions.All.Contains).ShouldBe([Permissions.LedgerRead]);
        tokens.Scopes.ShouldBe(["openid", "offline_access", Permissions.LedgerRead], ignoreOrder: true);
        Guid.TryParse(jwt.Subject, out _).ShouldBeTrue();
        (jwt.ValidTo - jwt.IssuedAt).ShouldBe(TimeSpan.FromMinutes(5));
        tokens.RefreshToken.ShouldNotBeNull();
        tokens.IdToken.ShouldNotBeNull();
        jwt.Kid.ShouldNotBeNullOrEmpty();
        // Roles and the remembered request stay inside auth-service; services read scopes.
        jwt.TryGetClaim("role", out _).ShouldBeFalse();
        jwt.TryGetClaim("ledgerx_requested_scope", out _).ShouldBeFalse();
        (await server.AuditAsync(AuditActions.TokenIssued, jwt.Subject)).ShouldNotBeEmpty();
        (await server.AuditAsync(AuditActions.SignInSucceeded, jwt.Subject)).ShouldNotBeEmpty();
    }

    [Fact]
    public async Task APublicClientWithoutPkceIsRefused()
    {
        using var browser = server.Browser();
        await (await browser.SignInAsync(AuthServer.CustomerEmail, AuthServer.CustomerPassword)).Content.ReadAsStringAsync();

        using var response = await browser.GetAsync(OAuth.AuthorizeUrl("openid", challenge: null));

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        response.Headers.Location.ShouldBeNull();
    }

    [Fact]
    public async Task TheVerifierMustMatchTheChallenge()
    {
        using var browser = server.Browser();
        var pkce = OAuth.Pkce();
        var code = await OAuth.SignInForCodeAsync(browser, AuthServer.CustomerEmail, AuthServer.CustomerPassword,
            OAuth.AuthorizeUrl("openid", pkce.Challenge));

        var error = await OAuth.TokenErrorAsync(server.Client, new()
        {
            ["grant_type"] = "authorization_code", ["code"] = code, ["redirect_uri"] = OAuth.RedirectUri,
            ["client_id"] = AuthServer.CliClient, ["code_verifier"] = OAuth.Pkce().Verifier,
        });

        error.ShouldBe("invalid_grant");
    }

    [Fact]
    public async Task DiscoveryNamesTheEndpointsAndTheJwksHoldsTheSigningKey()
    {
        var discovery = (await server.Client.GetFromJsonAsync<JsonObject>("/.well-known/openid-configuration"))!;
        discovery["issuer"]!.GetValue<string>().ShouldBe(server.Issuer);
        discovery["jwks_uri"]!.GetValue<string>().ShouldBe(server.Issuer + ".well-known/jwks");
        discovery["device_authorization_endpoint"]!.GetValue<string>().ShouldBe(server.Issuer + "connect/device");
        discovery["introspection_endpoint"].ShouldNotBeNull();
        discovery["revocation_endpoint"].ShouldNotBeNull();
        discovery["code_challenge_methods_supported"]!.AsArray().Select(m => m!.GetValue<string>()).ShouldContain("S256");

        var jwks = (await server.Client.GetFromJsonAsync<JsonObject>("/.well-known/jwks"))!;
        jwks["keys"]!.AsArray().Select(k => k!["kid"]!.GetValue<string>()).ShouldContain("it-key-1");
        jwks["keys"]!.AsArray().ShouldAllBe(k => k!["d"] == null);
    }
}
