using System.Globalization;
using System.Text;
using LedgerX.ServiceDefaults.Auth;
using OtpNet;

namespace LedgerX.Auth.IntegrationTests.Api;

/// <summary>The OpenAPI document is true: every status it documents for an operation is produced here. A newly
/// documented operation or status without a request below fails.</summary>
public sealed class OpenApiDocumentIsTrue(AuthServer server)
{
    [Fact]
    public async Task EveryStatusTheDocumentPromises_IsProduced()
    {
        var document = (await server.Client.GetFromJsonAsync<JsonObject>("/openapi/v1.json"))!;
        var admin = await OAuth.CodeFlowAsync(server, AuthServer.AdminEmail, AuthServer.AdminPassword, $"openid {Permissions.UsersAdmin}");
        var (userId, email) = await Accounts.ConfirmedUserAsync(server);
        var user = await OAuth.CodeFlowAsync(server, email, Accounts.Password, "openid");
        var (_, twoFactorEmail) = await Accounts.ConfirmedUserAsync(server);
        var withTotp = await OAuth.CodeFlowAsync(server, twoFactorEmail, Accounts.Password, "openid");
        var totp = await EnableTotpAsync(withTotp.AccessToken);
        var unknownUser = Guid.CreateVersion7();
        var roles = $"/api/v1/admin/users/{userId}/roles";
        var (_, auditorEmail) = await Accounts.ConfirmedUserAsync(server, "auditor");
        var auditor = await OAuth.CodeFlowAsync(server, auditorEmail, Accounts.Password, $"openid {Permissions.AuditRead}");

        var produce = new Dictionary<(string Operation, int Status), Func<Task<HttpResponseMessage>>>
        {
            [("RegisterUser", 201)] = () => Post("/api/v1/users/register", new { email = Accounts.NewEmail(), password = Accounts.Password }),
            [("RegisterUser", 400)] = () => Post("/api/v1/users/register", new { email = Accounts.NewEmail(), password = "short" }),
            [("RegisterUser", 409)] = () => Post("/api/v1/users/register", new { email, password = Accounts.Password }),
            [("RegisterUser", 413)] = () => TooLarge("/api/v1/users/register"),
            [("RegisterUser", 415)] = () => NotJson("/api/v1/users/register"),
            [("ConfirmEmail", 204)] = () => ConfirmFreshAsync(),
            [("ConfirmEmail", 400)] = () => Post("/api/v1/users/confirm", new { userId, token = "nope" }),
            [("ConfirmEmail", 413)] = () => TooLarge("/api/v1/users/confirm"),
            [("ConfirmEmail", 415)] = () => NotJson("/api/v1/users/confirm"),
            [("ForgotPassword", 202)] = () => Post("/api/v1/users/password/forgot", new { email }),
            [("ForgotPassword", 400)] = () => Post("/api/v1/users/password/forgot", new { email = "" }),
            [("ForgotPassword", 413)] = () => TooLarge("/api/v1/users/password/forgot"),
            [("ForgotPassword", 415)] = () => NotJson("/api/v1/users/password/forgot"),
            [("ResetPassword", 204)] = () => ResetFreshAsync(),
            [("ResetPassword", 400)] = () => Post("/api/v1/users/password/reset", new { userId, token = "nope", newPassword = Accounts.Password }),
            [("ResetPassword", 413)] = () => TooLarge("/api/v1/users/password/reset"),
            [("ResetPassword", 415)] = () => NotJson("/api/v1/users/password/reset"),
            [("GetMe", 200)] = () => As(user, HttpMethod.Get, "/api/v1/users/me"),
            [("GetMe", 401)] = () => server.Client.GetAsync("/api/v1/users/me"),
            [("ChangePassword", 204)] = () => As(user, HttpMethod.Post, "/api/v1/users/me/password", new { currentPassword = Accounts.Password, newPassword = Accounts.Password + "x" }),
            [("ChangePassword", 400)] = () => As(user, HttpMethod.Post, "/api/v1/users/me/password", new { currentPassword = "wrong", newPassword = Accounts.Password }),
            [("ChangePassword", 401)] = () => server.Client.PostAsJsonAsync("/api/v1/users/me/password", new { }),
            [("ChangePassword", 413)] = () => TooLarge("/api/v1/users/me/password", user),
            [("ChangePassword", 415)] = () => NotJson("/api/v1/users/me/password", user),
            [("SetUpAuthenticator", 200)] = () => As(user, HttpMethod.Post, "/api/v1/users/me/2fa/setup"),
            [("SetUpAuthenticator", 401)] = () => server.Client.PostAsync("/api/v1/users/me/2fa/setup", null),
            [("SetUpAuthenticator", 409)] = () => As(withTotp, HttpMethod.Post, "/api/v1/users/me/2fa/setup"),
            [("EnableTwoFactor", 200)] = () => EnableFreshAsync(),
            [("EnableTwoFactor", 400)] = () => As(user, HttpMethod.Post, "/api/v1/users/me/2fa/enable", new { code = "000000" }),
            [("EnableTwoFactor", 401)] = () => server.Client.PostAsJsonAsync("/api/v1/users/me/2fa/enable", new { code = "000000" }),
            [("EnableTwoFactor", 409)] = () => EnableWithoutSetupAsync(),
            [("EnableTwoFactor", 413)] = () => TooLarge("/api/v1/users/me/2fa/enable", user),
            [("EnableTwoFactor", 415)] = () => NotJson("/api/v1/users/me/2fa/enable", user),
            [("DisableTwoFactor", 400)] = () => As(withTotp, HttpMethod.Post, "/api/v1/users/me/2fa/disable", new { code = "" }),
            [("DisableTwoFactor", 401)] = () => server.Client.PostAsJsonAsync("/api/v1/users/me/2fa/disable", new { code = "000000" }),
            [("DisableTwoFactor", 409)] = () => As(admin, HttpMethod.Post, "/api/v1/users/me/2fa/disable", new { code = "000000" }),
            [("DisableTwoFactor", 413)] = () => TooLarge("/api/v1/users/me/2fa/disable", user),
            [("DisableTwoFactor", 415)] = () => NotJson("/api/v1/users/me/2fa/disable", user),
            // Last of the second-factor requests: it turns withTotp's second factor off.
            [("DisableTwoFactor", 204)] = () => As(withTotp, HttpMethod.Post, "/api/v1/users/me/2fa/disable", new { code = totp.ComputeTotp() }),
            [("GetUserRoles", 200)] = () => As(admin, HttpMethod.Get, roles),
            [("GetUserRoles", 401)] = () => server.Client.GetAsync(roles),
            [("GetUserRoles", 403)] = () => As(user, HttpMethod.Get, roles),
            [("GetUserRoles", 404)] = () => As(admin, HttpMethod.Get, $"/api/v1/admin/users/{unknownUser}/roles"),
            [("GrantRole", 200)] = () => As(admin, HttpMethod.Put, $"{roles}/teller"),
            [("GrantRole", 400)] = () => As(admin, HttpMethod.Put, $"{roles}/wizard"),
            [("GrantRole", 401)] = () => server.Client.PutAsync($"{roles}/teller", null),
            [("GrantRole", 403)] = () => As(user, HttpMethod.Put, $"{roles}/teller"),
            [("GrantRole", 404)] = () => As(admin, HttpMethod.Put, $"/api/v1/admin/users/{unknownUser}/roles/teller"),
            [("RevokeRole", 200)] = () => As(admin, HttpMethod.Delete, $"{roles}/teller"),
            [("RevokeRole", 400)] = () => As(admin, HttpMethod.Delete, $"{roles}/wizard"),
            [("RevokeRole", 401)] = () => server.Client.DeleteAsync($"{roles}/teller"),
            [("RevokeRole", 403)] = () => As(user, HttpMethod.Delete, $"{roles}/teller"),
            [("RevokeRole", 404)] = () => As(admin, HttpMethod.Delete, $"/api/v1/admin/users/{unknownUser}/roles/teller"),
            [("RevokeRole", 409)] = () => As(admin, HttpMethod.Delete, $"/api/v1/admin/users/{admin.Jwt.Subject}/roles/admin"),
            // The audit log auth-service hosts (LedgerX.Auth.Audit), as mounted here with auth-service's own token scheme.
            [("VerifyAuditLog", 200)] = () => As(auditor, HttpMethod.Post, "/api/v1/audit/verify"),
            [("VerifyAuditLog", 401)] = () => server.Client.PostAsync("/api/v1/audit/verify", null),
            [("VerifyAuditLog", 403)] = () => As(user, HttpMethod.Post, "/api/v1/audit/verify"),
            [("ListAuditEvents", 200)] = () => As(auditor, HttpMethod.Get, "/api/v1/audit/events?action=auth.*&limit=5"),
            [("ListAuditEvents", 400)] = () => As(auditor, HttpMethod.Get, "/api/v1/audit/events?limit=0"),
            [("ListAuditEvents", 401)] = () => server.Client.GetAsync("/api/v1/audit/events"),
            [("ListAuditEvents", 403)] = () => As(user, HttpMethod.Get, "/api/v1/audit/events"),
            [("GetAuditEvent", 200)] = () => NewestAuditRecordAsync(auditor),
            [("GetAuditEvent", 401)] = () => server.Client.GetAsync("/api/v1/audit/events/1"),
            [("GetAuditEvent", 403)] = () => As(user, HttpMethod.Get, "/api/v1/audit/events/1"),
            [("GetAuditEvent", 404)] = () => As(auditor, HttpMethod.Get, $"/api/v1/audit/events/{long.MaxValue}"),
        };

        var documented = document["paths"]!.AsObject().SelectMany(path => path.Value!.AsObject().SelectMany(operation =>
            operation.Value!["responses"]!.AsObject().Select(response =>
                (operation.Value!["operationId"]!.GetValue<string>(), int.Parse(response.Key, CultureInfo.InvariantCulture)))));
        documented.ShouldBe(produce.Keys, ignoreOrder: true);
        foreach (var ((operation, status), send) in produce)
        {
            using var response = await send();
            ((int)response.StatusCode).ShouldBe(status, $"{operation}: {await response.Content.ReadAsStringAsync()}");
        }
    }

    [Fact]
    public async Task ExactlyTheOperationsThatAnswer401_RequireTheBearerScheme_WithTheirPermissionAsScope()
    {
        var document = (await server.Client.GetFromJsonAsync<JsonObject>("/openapi/v1.json"))!;
        var scheme = document["components"]!["securitySchemes"]!["Bearer"]!;
        (scheme["type"]!.GetValue<string>(), scheme["scheme"]!.GetValue<string>()).ShouldBe(("http", "bearer"));

        var operations = document["paths"]!.AsObject().SelectMany(path => path.Value!.AsObject()).Select(operation => operation.Value!)
            .ToDictionary(operation => operation["operationId"]!.GetValue<string>());
        string[]? Scopes(string operationId) => operations[operationId]["security"]?.AsArray()
            .Select(requirement => string.Join(' ', requirement!["Bearer"]!.AsArray().Select(scope => scope!.GetValue<string>()))).ToArray();
        foreach (var (operationId, operation) in operations)
        {
            (Scopes(operationId) is not null).ShouldBe(operation["responses"]!.AsObject().ContainsKey("401"), operationId);
        }
        Scopes("GetUserRoles").ShouldBe([Permissions.UsersAdmin]);
        Scopes("ListAuditEvents").ShouldBe([Permissions.AuditRead]);
        Scopes("GetMe").ShouldBe([""], "any user's token, no permission");
        Scopes("RegisterUser").ShouldBeNull();
    }

    /// <summary>Verifying appends a record straight to the log, so the newest record exists when it is read.</summary>
    private async Task<HttpResponseMessage> NewestAuditRecordAsync(TokenSet auditor)
    {
        (await As(auditor, HttpMethod.Post, "/api/v1/audit/verify")).Dispose();
        using var newest = await As(auditor, HttpMethod.Get, "/api/v1/audit/events?order=desc&limit=1");
        var sequence = (await newest.Content.ReadFromJsonAsync<JsonObject>())!["items"]![0]!["sequence"]!.GetValue<long>();
        return await As(auditor, HttpMethod.Get, $"/api/v1/audit/events/{sequence}");
    }

    private Task<HttpResponseMessage> Post(string url, object body) => server.Client.PostAsJsonAsync(url, body);

    private Task<HttpResponseMessage> As(TokenSet tokens, HttpMethod method, string url, object? body = null) =>
        Accounts.SendAsync(server, method, url, tokens.AccessToken, body);

    private async Task<HttpResponseMessage> TooLarge(string url, TokenSet? caller = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = new StringContent($$"""{"email":"{{new string('a', 70_000)}}"}""", Encoding.UTF8, "application/json"),
        };
        return await server.Client.SendAsync(caller is null ? request : request.WithBearer(caller.AccessToken));
    }

    private async Task<HttpResponseMessage> NotJson(string url, TokenSet? caller = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent("email=a", Encoding.UTF8, "text/plain") };
        return await server.Client.SendAsync(caller is null ? request : request.WithBearer(caller.AccessToken));
    }

    private async Task<HttpResponseMessage> ConfirmFreshAsync()
    {
        var email = Accounts.NewEmail();
        using var registered = await Post("/api/v1/users/register", new { email, password = Accounts.Password });
        var id = (await registered.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<Guid>();
        var token = await Accounts.MessageTokenAsync(server, email, LedgerX.Auth.Api.Accounts.AccountMessage.ConfirmEmail);
        return await Post("/api/v1/users/confirm", new { userId = id, token });
    }

    private async Task<HttpResponseMessage> ResetFreshAsync()
    {
        var (id, email) = await Accounts.ConfirmedUserAsync(server);
        (await Post("/api/v1/users/password/forgot", new { email })).Dispose();
        var token = await Accounts.MessageTokenAsync(server, email, LedgerX.Auth.Api.Accounts.AccountMessage.ResetPassword);
        return await Post("/api/v1/users/password/reset", new { userId = id, token, newPassword = Accounts.Password + "y" });
    }

    private async Task<Totp> EnableTotpAsync(string accessToken)
    {
        using var setup = await Accounts.SendAsync(server, HttpMethod.Post, "/api/v1/users/me/2fa/setup", accessToken);
        var totp = new Totp(Base32Encoding.ToBytes((await setup.Content.ReadFromJsonAsync<JsonObject>())!["sharedKey"]!.GetValue<string>()));
        using var enabled = await Accounts.SendAsync(server, HttpMethod.Post, "/api/v1/users/me/2fa/enable", accessToken, new { code = totp.ComputeTotp() });
        enabled.StatusCode.ShouldBe(HttpStatusCode.OK);
        return totp;
    }

    private async Task<HttpResponseMessage> EnableFreshAsync()
    {
        var (_, email) = await Accounts.ConfirmedUserAsync(server);
        var tokens = await OAuth.CodeFlowAsync(server, email, Accounts.Password, "openid");
        using var setup = await Accounts.SendAsync(server, HttpMethod.Post, "/api/v1/users/me/2fa/setup", tokens.AccessToken);
        var totp = new Totp(Base32Encoding.ToBytes((await setup.Content.ReadFromJsonAsync<JsonObject>())!["sharedKey"]!.GetValue<string>()));
        return await Accounts.SendAsync(server, HttpMethod.Post, "/api/v1/users/me/2fa/enable", tokens.AccessToken, new { code = totp.ComputeTotp() });
    }

    private async Task<HttpResponseMessage> EnableWithoutSetupAsync()
    {
        var (_, email) = await Accounts.ConfirmedUserAsync(server);
        var tokens = await OAuth.CodeFlowAsync(server, email, Accounts.Password, "openid");
        return await Accounts.SendAsync(server, HttpMethod.Post, "/api/v1/users/me/2fa/enable", tokens.AccessToken, new { code = "000000" });
    }
}
