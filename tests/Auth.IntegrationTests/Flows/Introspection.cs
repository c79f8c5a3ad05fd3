using System.Text.Json;
using LedgerX.ServiceDefaults.Audit;
using LedgerX.ServiceDefaults.Auth;

namespace LedgerX.Auth.IntegrationTests.Flows;

/// <summary>Introspection (RFC 7662) by a confidential client, and revocation (RFC 7009).</summary>
public sealed class Introspection(AuthServer server)
{
    public static async Task<bool> IsActiveAsync(AuthServer server, string token)
    {
        var json = await IntrospectAsync(server, token);
        return json.GetProperty("active").GetBoolean();
    }

    private static async Task<JsonElement> IntrospectAsync(AuthServer server, string token)
    {
        using var response = await server.Client.PostAsync("/connect/introspect", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["token"] = token, ["client_id"] = AuthServer.MachineClient, ["client_secret"] = AuthServer.MachineSecret,
        }));
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.OK, body);
        return JsonDocument.Parse(body).RootElement;
    }

    [Fact]
    public async Task AnActiveAccessTokenIntrospectsWithItsSubjectAndAudience()
    {
        var tokens = await OAuth.ClientCredentialsAsync(server.Client, Permissions.LedgerWrite);

        var json = await IntrospectAsync(server, tokens.AccessToken);

        json.GetProperty("active").GetBoolean().ShouldBeTrue();
        json.GetProperty("sub").GetString().ShouldBe(AuthServer.MachineClient);
        json.GetProperty("client_id").GetString().ShouldBe(AuthServer.MachineClient);
        json.GetProperty("aud").GetString().ShouldBe(LedgerXClaims.ApiAudience);
        // The scope is shown only to the token's audience (the API), not to an introspecting client.
    }

    [Fact]
    public async Task ARevokedRefreshTokenCanNoLongerBeUsed()
    {
        var tokens = await OAuth.CodeFlowAsync(server, AuthServer.CustomerEmail, AuthServer.CustomerPassword, $"openid offline_access {Permissions.LedgerRead}");

        using var revoke = await server.Client.PostAsync("/connect/revoke", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["token"] = tokens.RefreshToken!, ["token_type_hint"] = "refresh_token", ["client_id"] = AuthServer.CliClient,
        }));

        revoke.StatusCode.ShouldBe(HttpStatusCode.OK, await revoke.Content.ReadAsStringAsync());
        (await OAuth.TokenErrorAsync(server.Client, new()
        {
            ["grant_type"] = "refresh_token", ["refresh_token"] = tokens.RefreshToken!, ["client_id"] = AuthServer.CliClient,
        })).ShouldBe("invalid_grant");
        (await server.AuditAsync(AuditActions.TokenRevoked, AuthServer.CliClient)).ShouldNotBeEmpty();
    }

    [Fact]
    public async Task GarbageIsInactive() => (await IsActiveAsync(server, "not-a-token")).ShouldBeFalse();
}
