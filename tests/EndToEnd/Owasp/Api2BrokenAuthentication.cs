using System.Net.Http.Headers;
using System.Text;
using LedgerX.ServiceDefaults.Auth;
using LedgerX.Testing;
using Microsoft.AspNetCore.WebUtilities;

namespace LedgerX.EndToEnd.Tests.Owasp;

/// <summary>
/// OWASP API2:2023 Broken Authentication. Only a token auth-service signed, for this API, unexpired and untampered,
/// gets in; the gateway refuses everything else with 401 before any service sees it, and each service checks again.
/// Forged tokens are signed with the real (development) key wherever that matters, so each refusal proves one check.
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class Api2BrokenAuthentication(LedgerXSystem system)
{
    /// <summary>auth-service's Auth:LockoutMaxFailedAttempts default.</summary>
    private const int LockoutMaxFailedAttempts = 5;

    private Ledger Ledger => system.Ledger;

    public static TheoryData<string> Forgeries => ["expired", "not_yet_valid", "other_audience", "no_audience", "other_issuer", "alg_none", "hs256_with_public_key", "unknown_key"];

    [Fact]
    public async Task A_token_signed_with_the_real_key_and_right_claims_is_accepted_which_makes_each_forgery_below_a_real_test()
    {
        var (alice, account) = await Ledger.FundedCustomerAsync(name: "alice");

        using var response = await GetAsync($"/api/v1/accounts/{account}", Mint(alice.Subject));

        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [MemberData(nameof(Forgeries))]
    public async Task A_forged_or_stale_token_is_refused_with_401(string forgery)
    {
        var (alice, account) = await Ledger.FundedCustomerAsync(name: "alice");
        string token = forgery switch
        {
            "expired" => Mint(alice.Subject, expiresIn: TimeSpan.FromMinutes(-10)),
            "not_yet_valid" => Mint(alice.Subject, notBeforeIn: TimeSpan.FromMinutes(30)),
            "other_audience" => Mint(alice.Subject, audience: "another-api"),
            "no_audience" => Mint(alice.Subject, audience: null),
            "other_issuer" => Mint(alice.Subject, issuer: "https://evil.example/"),
            "alg_none" => Mint(alice.Subject, alg: "none"),
            "hs256_with_public_key" => Mint(alice.Subject, alg: "HS256"),
            "unknown_key" => DevelopmentSigningKey.Issuer.Mint(alice.Subject, issuer: system.Issuer, key: TestTokens.NewKey(DevelopmentSigningKey.Real.Kid)),
            _ => throw new ArgumentOutOfRangeException(nameof(forgery)),
        };

        using var response = await GetAsync($"/api/v1/accounts/{account}", token);

        await ShouldBeUnauthorizedAsync(response);
    }

    [Fact]
    public async Task A_real_token_with_its_payload_changed_is_refused()
    {
        var (alice, account) = await Ledger.FundedCustomerAsync(name: "alice");
        var mallory = await system.Identities.CustomerAsync("mallory");
        // Mallory's own real token, with the subject swapped for Alice's: the signature no longer matches.
        string[] parts = mallory.AccessToken.Split('.');
        string payload = Encoding.UTF8.GetString(WebEncoders.Base64UrlDecode(parts[1])).Replace(mallory.Subject, alice.Subject, StringComparison.Ordinal);
        string tampered = $"{parts[0]}.{WebEncoders.Base64UrlEncode(Encoding.UTF8.GetBytes(payload))}.{parts[2]}";

        using var response = await GetAsync($"/api/v1/accounts/{account}", tampered);

        await ShouldBeUnauthorizedAsync(response);
    }

    [Theory]
    [InlineData("")]
    [InlineData("Bearer")]
    [InlineData("Bearer not-a-jwt")]
    [InlineData("Basic YWRtaW46YWRtaW4=")]
    public async Task No_token_or_a_malformed_one_is_refused_with_401(string authorization)
    {
        var (_, account) = await Ledger.FundedCustomerAsync();
        using var http = system.Client();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/accounts/{account}");
        if (authorization.Length > 0)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        using var response = await http.SendAsync(request);

        await ShouldBeUnauthorizedAsync(response);
    }

    [Fact]
    public async Task A_wrong_password_gets_no_code_and_says_nothing_about_whether_the_user_exists()
    {
        var alice = await system.Identities.CustomerAsync("alice");

        string known = await FailedSignInPageAsync(alice.Email, "Wrong-Passw0rd-Long");
        string unknown = await FailedSignInPageAsync($"nobody-{Guid.NewGuid():N}@ledgerx.test", "Wrong-Passw0rd-Long");

        known.ShouldBe(unknown);
    }

    [Fact]
    public async Task Guessing_passwords_locks_the_account_so_even_the_right_password_then_fails()
    {
        var alice = await system.Identities.NewCustomerAsync();
        for (int i = 0; i < LockoutMaxFailedAttempts; i++)
        {
            await FailedSignInPageAsync(alice.Email, $"Guess-{i}-Passw0rd-Long");
        }

        using var browser = new Browser(system.Gateway);
        using var locked = await browser.SignInAsync(alice.Email, Identities.CustomerPassword);

        locked.StatusCode.ShouldBe(HttpStatusCode.Locked, await locked.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_flood_of_requests_without_a_token_never_reaches_a_service()
    {
        var (alice, account) = await Ledger.FundedCustomerAsync(name: "alice");
        string[] paths = [$"/api/v1/accounts/{account}", "/api/v1/transfers", $"/api/v1/accounts/{account}/risk-profile", $"/api/v1/accounts/{account}/spending", "/api/v1/ledger/verify"];
        string[] apps = [LedgerXSystem.LedgerAppId, LedgerXSystem.FraudAppId, LedgerXSystem.AnalyticsAppId];
        await Task.Delay(TimeSpan.FromSeconds(1)); // the exporter caches a scrape briefly
        var before = await CountAsync(apps);

        using var http = system.Client();
        var statuses = await Task.WhenAll(Enumerable.Range(0, 300).Select(async i =>
        {
            string path = paths[i % paths.Length];
            using var request = new HttpRequestMessage(path.EndsWith("transfers", StringComparison.Ordinal) ? HttpMethod.Post : HttpMethod.Get, path);
            if (request.Method == HttpMethod.Post)
            {
                request.Content = JsonContent.Create(new { fromAccountId = account, toAccountId = account, amount = 1, currency = Ledger.Currency });
            }

            using var response = await http.SendAsync(request);
            return response.StatusCode;
        }));

        statuses.ShouldAllBe(s => s == HttpStatusCode.Unauthorized || s == HttpStatusCode.TooManyRequests);
        await Task.Delay(TimeSpan.FromSeconds(1));
        (await CountAsync(apps)).ShouldBe(before, "no tokenless request may reach a service");

        // The measurement works: one request with a token does reach the ledger.
        using var served = await Ledger.SendAsync(alice, HttpMethod.Get, $"/api/v1/accounts/{account}");
        served.StatusCode.ShouldBe(HttpStatusCode.OK);
        await Eventually.SucceedsAsync(async () =>
            (await ServiceMetrics.ApiRequestsAsync(system, LedgerXSystem.LedgerAppId)).ShouldBeGreaterThan(before[LedgerXSystem.LedgerAppId]));
    }

    private async Task<Dictionary<string, long>> CountAsync(string[] apps)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (string app in apps)
        {
            counts[app] = await ServiceMetrics.ApiRequestsAsync(system, app);
        }

        return counts;
    }

    private string Mint(string subject, TimeSpan? expiresIn = null, TimeSpan? notBeforeIn = null, string? audience = LedgerXClaims.ApiAudience,
        string? issuer = null, string alg = "RS256") =>
        DevelopmentSigningKey.Issuer.Mint(subject, [Permissions.LedgerRead, Permissions.LedgerWrite], expiresIn, notBeforeIn, audience,
            issuer ?? system.Issuer, DevelopmentSigningKey.Real, alg);

    private async Task<HttpResponseMessage> GetAsync(string path, string token)
    {
        using var http = system.Client();
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await http.SendAsync(request);
    }

    private static async Task ShouldBeUnauthorizedAsync(HttpResponseMessage response)
    {
        string body = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized, body);
        response.Headers.WwwAuthenticate.ShouldContain(h => h.Scheme == "Bearer");
        body.ShouldNotContain("\"balance\"");
    }

    /// <summary>The sign-in page's answer to a failed sign-in, with what differs per request (antiforgery token) removed.</summary>
    private async Task<string> FailedSignInPageAsync(string email, string password)
    {
        using var browser = new Browser(system.Gateway);
        using var answer = await browser.SignInAsync(email, password);
        answer.StatusCode.ShouldNotBe(HttpStatusCode.Redirect, "a wrong password must not sign in");
        string page = await answer.Content.ReadAsStringAsync();
        return System.Text.RegularExpressions.Regex.Replace(page, "value=\"[^\"]*\"", "value=\"\"");
    }
}
