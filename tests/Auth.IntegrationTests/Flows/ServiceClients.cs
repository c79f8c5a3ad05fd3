using LedgerX.ServiceDefaults.Audit;
using LedgerX.ServiceDefaults.Auth;

namespace LedgerX.Auth.IntegrationTests.Flows;

/// <summary>A service's own client (Auth:Seed:ServiceClients), registered from configuration and the secret store on
/// start: it gets client-credentials tokens for its configured scopes and no others, and its registration is audited.</summary>
public sealed class ServiceClients(AuthServer server)
{
    private Task<HttpResponseMessage> AskAsync(string scope, string secret = AuthServer.ServiceSecret) =>
        server.Client.PostAsync("/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials", ["client_id"] = AuthServer.ServiceClient, ["client_secret"] = secret, ["scope"] = scope,
        }));

    [Fact]
    public async Task AConfiguredServiceClient_GetsTokensForItsScopes_AsItself()
    {
        using var response = await AskAsync(AuthServer.ServiceScopes);

        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var body = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        var jwt = new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(body["access_token"]!.GetValue<string>());
        jwt.Subject.ShouldBe(AuthServer.ServiceClient);
        jwt.GetClaim("client_id").Value.ShouldBe(AuthServer.ServiceClient);
        jwt.TryGetPayloadValue<string>("scope", out var scope).ShouldBeTrue();
        scope.Split(' ').ShouldBe([Permissions.AccountsFreeze, Permissions.LedgerRead], ignoreOrder: true);
    }

    [Fact]
    public async Task AScopeNotConfigured_OrAWrongSecret_IsRefused()
    {
        using var widened = await AskAsync($"{AuthServer.ServiceScopes} {Permissions.AccountsAny}");
        widened.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        // OpenIddict's answer (ID2051): the client is not registered for that scope.
        (await widened.Content.ReadFromJsonAsync<JsonObject>())!["error_description"]!.GetValue<string>().ShouldContain("not allowed to use the specified scope");

        using var wrong = await AskAsync(Permissions.LedgerRead, "not-the-secret");
        (await wrong.Content.ReadFromJsonAsync<JsonObject>())!["error"]!.GetValue<string>().ShouldBe("invalid_client");
    }

    [Fact]
    public async Task ItsRegistration_IsAuditedByAuthService()
    {
        var registered = (await server.AuditAsync(AuditActions.ClientRegistered, AuthServer.ServiceClient)).ShouldHaveSingleItem();

        registered.GetProperty("actor").GetProperty("id").GetString().ShouldBe("auth-service");
        registered.GetProperty("details").GetProperty("reason").GetString().ShouldBe("service_client");
        registered.GetProperty("details").GetProperty("scopes").GetString().ShouldBe(AuthServer.ServiceScopes);
    }
}
