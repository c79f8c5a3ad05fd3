using Microsoft.AspNetCore.WebUtilities;

namespace LedgerX.EndToEnd.Tests.Owasp;

/// <summary>
/// OWASP API7:2023 Server Side Request Forgery. No API takes a URL to fetch, so the gateway is where a caller could
/// steer a request: it forwards only to its route table's apps, through its own sidecar, whatever the request target,
/// Host, forwarding or Dapr headers say, and no path escapes its route into the sidecar's own API or another
/// service's routes. A honeypot listener stands for the internal host an attacker aims at; it must see nothing.
/// </summary>
public sealed class Api7ServerSideRequestForgery(LedgerXSystem system)
{
    private Ledger Ledger => system.Ledger;

    [Theory]
    [InlineData("GET http://127.0.0.1:{honeypot}/api/v1/accounts HTTP/1.1\nHost: 127.0.0.1:{honeypot}")]
    [InlineData("GET /api/v1/accounts HTTP/1.1\nHost: 127.0.0.1:{honeypot}")]
    [InlineData("GET /api/v1/accounts HTTP/1.1\nHost: {gateway}\nX-Forwarded-Host: 127.0.0.1:{honeypot}\nX-Forwarded-Proto: http")]
    [InlineData("GET /api/v1/accounts HTTP/1.1\nHost: {gateway}\nForwarded: host=127.0.0.1:{honeypot};proto=http")]
    [InlineData("GET /api/v1/accounts HTTP/1.1\nHost: {gateway}\nX-Original-URL: http://127.0.0.1:{honeypot}/")]
    public async Task No_request_target_or_header_makes_the_gateway_connect_to_a_host_of_the_callers_choice(string head)
    {
        var alice = await system.Identities.CustomerAsync("alice");
        using var honeypot = new Honeypot();
        string request = head.Replace("{honeypot}", honeypot.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("{gateway}", system.Gateway.Authority, StringComparison.Ordinal) + $"\nAuthorization: Bearer {alice.AccessToken}";

        var (status, text) = await RawHttp.SendAsync(system.Gateway, request);

        await Task.Delay(TimeSpan.FromMilliseconds(300));
        honeypot.Connections.ShouldBe(0, $"the gateway connected to the caller's host; it answered {status}: {text}");
    }

    [Theory]
    [InlineData("/api/v1/accounts/../../../v1.0/metadata")]
    [InlineData("/api/v1/accounts/%2e%2e/%2e%2e/%2e%2e/v1.0/metadata")]
    [InlineData("/api/v1/accounts/..%2f..%2f..%2fv1.0%2fmetadata")]
    [InlineData("/api/v1/accounts/%2e%2e%2f%2e%2e%2f%2e%2e%2fv1.0%2fstate%2fstatestore%2fx")]
    [InlineData("/v1.0/invoke/transaction-service/method/api/v1/ledger/verify")]
    [InlineData("/api/v1/accounts/..%5c..%5c..%5cv1.0%5cmetadata")]
    public async Task No_path_reaches_the_sidecars_own_api(string path)
    {
        var admin = await system.Identities.AdminAsync();

        var (status, text) = await RawHttp.SendAsync(system.Gateway, $"GET {path} HTTP/1.1\nHost: {system.Gateway.Authority}\nAuthorization: Bearer {admin.AccessToken}");

        status.ShouldBeInRange(400, 499, text);
        text.ShouldNotContain("registeredComponents");
        text.ShouldNotContain("\"components\"");
    }

    [Fact]
    public async Task A_traversal_out_of_one_services_route_does_not_land_in_another_service()
    {
        var customer = await system.Identities.CustomerAsync("customer");
        string account = await Ledger.OpenAccountAsync(customer);

        // From a ledger route up into auth-service's admin API, which the customer must never reach.
        var (status, text) = await RawHttp.SendAsync(system.Gateway,
            $"PUT /api/v1/accounts/{account}/..%2f..%2f..%2fadmin%2fusers%2f{customer.Subject}%2froles%2fadmin HTTP/1.1\nHost: {system.Gateway.Authority}\nContent-Length: 0\nAuthorization: Bearer {customer.AccessToken}");

        status.ShouldNotBeInRange(200, 299, text);
        var roles = await Ledger.SendOkAsync(await system.Identities.AdminAsync(), HttpMethod.Get, $"/api/v1/admin/users/{customer.Subject}/roles", null, HttpStatusCode.OK);
        roles.ToJsonString().ShouldNotContain("\"admin\"");
    }

    [Theory]
    [InlineData("dapr-app-id")]
    [InlineData("Dapr-App-Id")]
    public async Task A_dapr_app_id_header_from_the_client_does_not_choose_the_target_app(string header)
    {
        var (alice, account) = await Ledger.FundedCustomerAsync(name: "alice");
        using var http = system.Client();

        // A ledger path, smuggled to auth-service: auth-service would answer 404.
        using var toAuth = alice.Request(HttpMethod.Get, $"/api/v1/accounts/{account}");
        toAuth.Headers.TryAddWithoutValidation(header, LedgerXSystem.AuthAppId);
        using var ledgerAnswer = await http.SendAsync(toAuth);
        ledgerAnswer.StatusCode.ShouldBe(HttpStatusCode.OK, await ledgerAnswer.Content.ReadAsStringAsync());
        JsonNode.Parse(await ledgerAnswer.Content.ReadAsStringAsync())!["id"]!.GetValue<string>().ShouldBe(account);

        // And an auth-service path smuggled to the ledger.
        using var toLedger = alice.Request(HttpMethod.Get, "/api/v1/users/me");
        toLedger.Headers.TryAddWithoutValidation(header, LedgerXSystem.LedgerAppId);
        using var authAnswer = await http.SendAsync(toLedger);
        authAnswer.StatusCode.ShouldBe(HttpStatusCode.OK, await authAnswer.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_dapr_api_token_from_the_client_is_not_passed_on()
    {
        var (alice, account) = await Ledger.FundedCustomerAsync(name: "alice");
        using var http = system.Client();
        using var request = alice.Request(HttpMethod.Get, $"/api/v1/accounts/{account}");
        request.Headers.TryAddWithoutValidation("dapr-api-token", "chosen-by-the-client");

        using var response = await http.SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.OK, "the gateway replaces whatever the client sent with its own sidecar token");
    }

    [Fact]
    public async Task Sign_in_never_redirects_to_a_host_that_is_not_a_registered_redirect_uri()
    {
        using var honeypot = new Honeypot();
        using var http = system.Client();
        var (_, challenge) = LedgerX.Testing.Pkce.Create();
        string url = QueryHelpers.AddQueryString("/connect/authorize", new Dictionary<string, string?>
        {
            ["client_id"] = Identities.CliClient, ["response_type"] = "code", ["redirect_uri"] = $"http://127.0.0.1:{honeypot.Port}/steal",
            ["scope"] = "openid", ["state"] = "x", ["code_challenge"] = challenge, ["code_challenge_method"] = "S256",
        });

        using var response = await http.GetAsync(url);

        (response.Headers.Location?.ToString() ?? "").ShouldNotContain(honeypot.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        ((int)response.StatusCode).ShouldBeInRange(400, 499);
        honeypot.Connections.ShouldBe(0);
    }
}
