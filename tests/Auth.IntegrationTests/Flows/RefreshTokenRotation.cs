using LedgerX.ServiceDefaults.Audit;
using LedgerX.ServiceDefaults.Auth;

namespace LedgerX.Auth.IntegrationTests.Flows;

/// <summary>Refresh tokens rotate on every use; a used one presented again revokes its whole family.</summary>
public sealed class RefreshTokenRotation(AuthServer server)
{
    [Fact]
    public async Task EachRefreshReturnsANewRefreshToken()
    {
        var first = await OAuth.CodeFlowAsync(server, AuthServer.CustomerEmail, AuthServer.CustomerPassword, $"openid offline_access {Permissions.LedgerRead}");

        var second = await OAuth.RefreshAsync(server.Client, first.RefreshToken!);

        second.RefreshToken.ShouldNotBeNull();
        second.RefreshToken.ShouldNotBe(first.RefreshToken);
        second.Jwt.Subject.ShouldBe(first.Jwt.Subject);
        second.Scopes.ShouldContain(Permissions.LedgerRead);
        (await server.AuditAsync(AuditActions.TokenRefreshed, first.Jwt.Subject)).ShouldNotBeEmpty();
    }

    [Fact]
    public async Task ReusingARedeemedRefreshTokenRevokesTheFamily()
    {
        var first = await OAuth.CodeFlowAsync(server, AuthServer.CustomerEmail, AuthServer.CustomerPassword, $"openid offline_access {Permissions.LedgerRead}");
        var second = await OAuth.RefreshAsync(server.Client, first.RefreshToken!);

        // An attacker (or a confused client) replays the first refresh token.
        var replay = await OAuth.TokenErrorAsync(server.Client, Refresh(first.RefreshToken!));

        replay.ShouldBe("invalid_grant");
        // The legitimate holder's current refresh token belonged to the same family and is revoked with it.
        (await OAuth.TokenErrorAsync(server.Client, Refresh(second.RefreshToken!))).ShouldBe("invalid_grant");
        (await server.AuditAsync(AuditActions.TokenReuseDetected, first.Jwt.Subject)).ShouldNotBeEmpty();
        // And the family's access token no longer introspects as active.
        (await Introspection.IsActiveAsync(server, second.AccessToken)).ShouldBeFalse();
    }

    private static Dictionary<string, string> Refresh(string token) =>
        new() { ["grant_type"] = "refresh_token", ["refresh_token"] = token, ["client_id"] = AuthServer.CliClient };
}
