using LedgerX.ServiceDefaults.Audit;
using LedgerX.ServiceDefaults.Auth;

namespace LedgerX.Auth.IntegrationTests.Admin;

/// <summary>Granting and revoking roles through the admin API, and what a token then carries.</summary>
public sealed class RoleAdministration(AuthServer server)
{
    private const string AllScopes = "openid offline_access ledger:read ledger:write fraud:review reversals:approve users:admin";

    private Task<TokenSet> AdminTokenAsync() =>
        OAuth.CodeFlowAsync(server, AuthServer.AdminEmail, AuthServer.AdminPassword, $"openid {Permissions.UsersAdmin}");

    [Fact]
    public async Task AGrantedRoleAppearsInTheNextRefreshAndARevokedOneLeavesIt()
    {
        var admin = await AdminTokenAsync();
        var (id, email) = await Accounts.ConfirmedUserAsync(server);
        var user = await OAuth.CodeFlowAsync(server, email, Accounts.Password, AllScopes);
        user.Scopes.ShouldNotContain(Permissions.FraudReview);

        using (var granted = await Accounts.SendAsync(server, HttpMethod.Put, $"/api/v1/admin/users/{id}/roles/fraud_analyst", admin.AccessToken))
        {
            granted.StatusCode.ShouldBe(HttpStatusCode.OK, await granted.Content.ReadAsStringAsync());
            (await granted.Content.ReadFromJsonAsync<JsonObject>())!["roles"]!.AsArray().Select(r => r!.GetValue<string>())
                .ShouldBe(["customer", "fraud_analyst"]);
        }
        var afterGrant = await OAuth.RefreshAsync(server.Client, user.RefreshToken!);
        afterGrant.Scopes.ShouldContain(Permissions.FraudReview);
        afterGrant.Scopes.ShouldContain(Permissions.ReversalsApprove);

        using (var revoked = await Accounts.SendAsync(server, HttpMethod.Delete, $"/api/v1/admin/users/{id}/roles/fraud_analyst", admin.AccessToken))
        {
            revoked.StatusCode.ShouldBe(HttpStatusCode.OK);
        }
        var afterRevoke = await OAuth.RefreshAsync(server.Client, afterGrant.RefreshToken!);
        afterRevoke.Scopes.ShouldNotContain(Permissions.FraudReview);
        afterRevoke.Scopes.ShouldContain(Permissions.LedgerRead);

        var grants = await server.AuditAsync(AuditActions.RoleGranted, id.ToString());
        grants.Count.ShouldBe(1);
        grants[0].GetProperty("actor").GetProperty("id").GetString().ShouldBe(admin.Jwt.Subject);
        grants[0].GetProperty("details").GetProperty("role").GetString().ShouldBe("fraud_analyst");
        (await server.AuditAsync(AuditActions.RoleRevoked, id.ToString())).Count.ShouldBe(1);
    }

    [Fact]
    public async Task WithoutUsersAdminTheApiIsForbidden()
    {
        var (id, email) = await Accounts.ConfirmedUserAsync(server);
        var customer = await OAuth.CodeFlowAsync(server, email, Accounts.Password, AllScopes);

        using (var forbidden = await Accounts.SendAsync(server, HttpMethod.Put, $"/api/v1/admin/users/{id}/roles/admin", customer.AccessToken))
        {
            forbidden.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        }
        using (var anonymous = await server.Client.PutAsync($"/api/v1/admin/users/{id}/roles/admin", null))
        {
            anonymous.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        }
        // The admin's own token without the users:admin scope is refused too: the scope, not the role, is checked.
        var narrow = await OAuth.CodeFlowAsync(server, AuthServer.AdminEmail, AuthServer.AdminPassword, $"openid {Permissions.LedgerRead}");
        using var narrowed = await Accounts.SendAsync(server, HttpMethod.Put, $"/api/v1/admin/users/{id}/roles/admin", narrow.AccessToken);
        narrowed.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task TheLastAdminKeepsTheRole()
    {
        var admin = await AdminTokenAsync();

        using var refused = await Accounts.SendAsync(server, HttpMethod.Delete, $"/api/v1/admin/users/{admin.Jwt.Subject}/roles/admin", admin.AccessToken);

        await Problem.ShouldBeAsync(refused, HttpStatusCode.Conflict, "last_admin");
    }

    [Fact]
    public async Task UnknownRolesAndUsersAreProblems()
    {
        var admin = await AdminTokenAsync();

        using (var role = await Accounts.SendAsync(server, HttpMethod.Put, $"/api/v1/admin/users/{admin.Jwt.Subject}/roles/wizard", admin.AccessToken))
        {
            await Problem.ShouldBeValidationAsync(role, "role");
        }
        using var user = await Accounts.SendAsync(server, HttpMethod.Get, $"/api/v1/admin/users/{Guid.CreateVersion7()}/roles", admin.AccessToken);
        await Problem.ShouldBeAsync(user, HttpStatusCode.NotFound, "user_not_found");
    }
}
