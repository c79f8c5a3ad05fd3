using LedgerX.ServiceDefaults.Audit;
using LedgerX.ServiceDefaults.Auth;

namespace LedgerX.Auth.IntegrationTests.Flows;

/// <summary>A machine client acting for itself.</summary>
public sealed class ClientCredentials(AuthServer server)
{
    [Fact]
    public async Task IssuesATokenWhoseSubjectIsTheClient()
    {
        var tokens = await OAuth.ClientCredentialsAsync(server.Client, Permissions.LedgerRead);

        tokens.Jwt.Subject.ShouldBe(AuthServer.MachineClient);
        tokens.Jwt.GetClaim("client_id").Value.ShouldBe(AuthServer.MachineClient);
        tokens.Scopes.ShouldBe([Permissions.LedgerRead]);
        tokens.RefreshToken.ShouldBeNull();
        (await server.AuditAsync(AuditActions.TokenIssued, AuthServer.MachineClient)).ShouldNotBeEmpty();
    }

    [Fact]
    public async Task AScopeTheClientIsNotAllowedIsRefused()
    {
        using var response = await server.Client.PostAsync("/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials", ["client_id"] = AuthServer.MachineClient,
            ["client_secret"] = AuthServer.MachineSecret, ["scope"] = Permissions.UsersAdmin,
        }));
        var body = await response.Content.ReadFromJsonAsync<JsonObject>();
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        // OpenIddict's answer (ID2051): the client is not registered for that scope.
        body!["error_description"]!.GetValue<string>().ShouldContain("not allowed to use the specified scope");
    }

    [Fact]
    public async Task AWrongSecretIsRefused()
    {
        var error = await OAuth.TokenErrorAsync(server.Client, new()
        {
            ["grant_type"] = "client_credentials", ["client_id"] = AuthServer.MachineClient, ["client_secret"] = "wrong",
        });

        error.ShouldBe("invalid_client");
    }
}
