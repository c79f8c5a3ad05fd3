using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using LedgerX.ServiceDefaults.Auth;
using LedgerX.Testing;
using Microsoft.AspNetCore.WebUtilities;
using Npgsql;

namespace LedgerX.EndToEnd.Tests.Infrastructure;

/// <summary>A signed-in caller: who they are and the access token auth-service gave them.</summary>
public sealed record Caller(string Subject, string Email, string AccessToken)
{
    public AuthenticationHeaderValue Bearer => new("Bearer", AccessToken);

    /// <summary>A request carrying this caller's token.</summary>
    public HttpRequestMessage Request(HttpMethod method, string url, object? body = null)
    {
        var request = new HttpRequestMessage(method, url) { Content = body is null ? null : JsonContent.Create(body) };
        request.Headers.Authorization = Bearer;
        return request;
    }
}

/// <summary>
/// Real identities from the real auth-service, obtained as people and programs obtain them, through the gateway:
/// customers register and confirm (the confirmation token read from auth-service's outbox, where its mail goes out),
/// everyone signs in with the code flow + PKCE on the HTML sign-in page, staff get their roles from the seeded admin
/// through the admin API.
/// </summary>
public sealed class Identities(LedgerXSystem system)
{
    /// <summary>auth-service's role names (Roles/RolePermissions.cs).</summary>
    public static class Roles
    {
        public const string Teller = "teller";
        public const string FraudAnalyst = "fraud_analyst";
        public const string Auditor = "auditor";
        public const string Admin = "admin";
    }

    public const string CliClient = "ledgerx-cli";
    public const string CliRedirectUri = "http://127.0.0.1/callback";
    public const string AdminEmail = "admin@ledgerx.local";
    public const string SeededCustomerEmail = "customer@ledgerx.local";
    public const string MachineClient = "ledgerx-machine";

    /// <summary>components/secrets.json's development secret of the machine client (seeded by auth-service).</summary>
    public const string MachineSecret = "dev-only-machine-client-secret";

    /// <summary>The password of every customer the tests register.</summary>
    public const string CustomerPassword = "E2e-Customer-Passw0rd";
    private const string AccountMessageTopic = "auth.account_message.v1";

    private readonly ConcurrentDictionary<string, Lazy<Task<Caller>>> _staff = new(StringComparer.Ordinal);

    /// <summary>Every permission there is: a token gets those of them the user's roles allow.</summary>
    public static string AllScopes => string.Join(' ', ["openid", .. Permissions.All]);

    /// <summary>The admin auth-service seeded (dapr.yaml turns seeding on), signed in once per run.</summary>
    public Task<Caller> AdminAsync() => OnceAsync("seeded-admin", () => SignInAsync(AdminEmail, SystemRunFile.AdminPassword));

    /// <summary>One teller for the whole run (ledger:fund, accounts:any, accounts:freeze): funds the test accounts.</summary>
    public Task<Caller> TellerAsync() => OnceAsync(Roles.Teller, () => NewStaffAsync(Roles.Teller));

    public Task<Caller> FraudAnalystAsync() => OnceAsync(Roles.FraudAnalyst, () => NewStaffAsync(Roles.FraudAnalyst));

    public Task<Caller> AuditorAsync() => OnceAsync(Roles.Auditor, () => NewStaffAsync(Roles.Auditor));

    /// <summary>Created once; a creation that failed is not remembered, so the next test tries again.</summary>
    private async Task<Caller> OnceAsync(string key, Func<Task<Caller>> create)
    {
        var once = _staff.GetOrAdd(key, _ => new Lazy<Task<Caller>>(create));
        try
        {
            return await once.Value;
        }
        catch
        {
            _staff.TryRemove(new KeyValuePair<string, Lazy<Task<Caller>>>(key, once));
            throw;
        }
    }

    /// <summary>The run's customer called <paramref name="name"/> (alice, bob, mallory, ...), registered and signed in
    /// once: tests share customers and isolate by opening their own accounts.</summary>
    public Task<Caller> CustomerAsync(string name) => OnceAsync("customer:" + name, NewCustomerAsync);

    /// <summary>A new customer, registered and confirmed through the public API, signed in.</summary>
    public async Task<Caller> NewCustomerAsync() => await NewUserAsync();

    /// <summary>A new user with <paramref name="role"/> granted by the admin (teller, fraud_analyst, auditor, admin).</summary>
    public async Task<Caller> NewStaffAsync(string role) => await NewUserAsync(role);

    /// <summary>A slow machine can make a registration outlast the gateway's route timeout (504) although auth-service
    /// completed it: the user is then made again under a new address.</summary>
    private async Task<Caller> NewUserAsync(string? role = null)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return await NewUserOnceAsync(role);
            }
            catch (UpstreamTimeoutException) when (attempt < 3)
            {
            }
        }
    }

    private async Task<Caller> NewUserOnceAsync(string? role)
    {
        string email = $"e2e-{Guid.NewGuid():N}@ledgerx.test";
        using var http = system.PatientClient(system.SignInEntry);
        using var registered = await http.PostAsJsonAsync("/api/v1/users/register", new { email, password = CustomerPassword });
        await Expect(registered, HttpStatusCode.Created);
        string id = (await registered.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>();
        using var confirmed = await http.PostAsJsonAsync("/api/v1/users/confirm", new { userId = id, token = await ConfirmationTokenAsync(email) });
        await Expect(confirmed, HttpStatusCode.NoContent);
        if (role is not null)
        {
            var admin = await AdminAsync();
            using var grant = admin.Request(HttpMethod.Put, $"/api/v1/admin/users/{id}/roles/{role}");
            using var granted = await http.SendAsync(grant);
            await Expect(granted, HttpStatusCode.OK);
        }

        return await SignInAsync(email, CustomerPassword);
    }

    /// <summary>The code flow with PKCE as the CLI runs it: authorize, sign in on the page, code back, token.</summary>
    public async Task<Caller> SignInAsync(string email, string password, string? scope = null)
    {
        using var browser = new Browser(system.SignInEntry);
        var (verifier, challenge) = Pkce.Create();
        string authorize = QueryHelpers.AddQueryString("/connect/authorize", new Dictionary<string, string?>
        {
            ["client_id"] = CliClient, ["response_type"] = "code", ["redirect_uri"] = CliRedirectUri, ["scope"] = scope ?? AllScopes,
            ["state"] = "e2e", ["code_challenge"] = challenge, ["code_challenge_method"] = "S256",
        });
        using var toLogin = await browser.GetAsync(authorize);
        var login = await Redirected(toLogin);
        string returnUrl = QueryHelpers.ParseQuery(new Uri(system.SignInEntry, login).Query)["ReturnUrl"].ToString();
        using var signedIn = await browser.SignInAsync(email, password, returnUrl);
        var back = await Redirected(signedIn);
        using var withCode = await browser.GetAsync(back.ToString());
        var callback = await Redirected(withCode);
        string code = QueryHelpers.ParseQuery(callback.Query)["code"].ToString();
        var token = await TokenAsync(new()
        {
            ["grant_type"] = "authorization_code", ["code"] = code, ["redirect_uri"] = CliRedirectUri,
            ["client_id"] = CliClient, ["code_verifier"] = verifier,
        });
        string access = token.GetProperty("access_token").GetString()!;
        string subject = new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(access).Subject;
        return new Caller(subject, email, access);
    }

    /// <summary>The machine client's own token (client credentials), as a service acting for itself gets one.</summary>
    public async Task<Caller> MachineAsync(string scope = "ledger:read")
    {
        var token = await TokenAsync(new()
        {
            ["grant_type"] = "client_credentials", ["client_id"] = MachineClient, ["client_secret"] = MachineSecret, ["scope"] = scope,
        });
        return new Caller(MachineClient, "", token.GetProperty("access_token").GetString()!);
    }

    public async Task<JsonElement> TokenAsync(Dictionary<string, string> form)
    {
        using var http = system.PatientClient(system.SignInEntry);
        using var response = await http.PostAsync("/connect/token", new FormUrlEncodedContent(form));
        await Expect(response, HttpStatusCode.OK);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    /// <summary>The token of the newest confirmation message auth-service queued for <paramref name="email"/>.</summary>
    private async Task<string> ConfirmationTokenAsync(string email)
    {
        await using var connection = new NpgsqlConnection(system.ConnectionString(LedgerXSystem.AuthDatabaseSecret));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT payload FROM outbox WHERE topic = @topic AND payload::jsonb ->> 'email' = @email AND payload::jsonb ->> 'kind' = 'confirm_email' ORDER BY id DESC LIMIT 1",
            connection);
        command.Parameters.AddWithValue("topic", AccountMessageTopic);
        command.Parameters.AddWithValue("email", email);
        var payload = (string?)await command.ExecuteScalarAsync() ?? throw new InvalidOperationException($"no confirmation message for {email}");
        return JsonDocument.Parse(payload).RootElement.GetProperty("token").GetString()!;
    }

    private static async Task<Uri> Redirected(HttpResponseMessage response)
    {
        await Expect(response, HttpStatusCode.Redirect);
        return response.Headers.Location!;
    }

    public static async Task Expect(HttpResponseMessage response, HttpStatusCode status)
    {
        if (response.StatusCode != status)
        {
            string message =
                $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri} answered {(int)response.StatusCode}, expected {(int)status}: {await response.Content.ReadAsStringAsync()}";
            throw response.StatusCode == HttpStatusCode.GatewayTimeout ? new UpstreamTimeoutException(message) : new InvalidOperationException(message);
        }
    }
}

/// <summary>The gateway gave up waiting for a service (504): the service may still have done the work.</summary>
public sealed class UpstreamTimeoutException(string message) : InvalidOperationException(message);
