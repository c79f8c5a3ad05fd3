namespace LedgerX.EndToEnd.Tests.Owasp;

/// <summary>
/// OWASP API8:2023 Security Misconfiguration. What every answer says about the platform (security headers, no Server
/// header, no stack traces or .NET internals), which browser origins may call (CORS: only the configured one), and
/// the zero-trust wiring behind the gateway: an app answers only its own sidecar (app token), a sidecar only its own
/// app (API token).
/// </summary>
public sealed class Api8SecurityMisconfiguration(LedgerXSystem system)
{
    private Ledger Ledger => system.Ledger;

    public static TheoryData<string> Answers => ["ok", "unauthorized", "not_found", "bad_request"];

    [Theory]
    [MemberData(nameof(Answers))]
    public async Task Every_api_answer_carries_the_security_headers_and_no_server_header(string kind)
    {
        using var response = await AnswerAsync(kind);

        response.Headers.Contains("Server").ShouldBeFalse(kind);
        response.Headers.Contains("X-Powered-By").ShouldBeFalse(kind);
        Header(response, "X-Content-Type-Options").ShouldBe("nosniff", kind);
        Header(response, "Referrer-Policy").ShouldNotBeNullOrWhiteSpace(kind);
        Header(response, "Content-Security-Policy").ShouldNotBeNullOrWhiteSpace(kind);
        response.Headers.CacheControl?.NoStore.ShouldBe(true, kind);
    }

    [Theory]
    [MemberData(nameof(Answers))]
    public async Task No_answer_shows_a_stack_trace_or_framework_internals(string kind)
    {
        using var response = await AnswerAsync(kind);
        string body = await response.Content.ReadAsStringAsync();

        foreach (string leak in new[] { "   at ", "Exception", "System.", "Microsoft.", "Npgsql", "LedgerX.", "Yarp", "Kestrel", ".cs:line" })
        {
            body.ShouldNotContain(leak, Case.Sensitive, $"{kind}: {body}");
        }
    }

    [Fact]
    public async Task A_configured_origin_may_call_from_a_browser_and_any_other_origin_may_not()
    {
        using var http = system.Client();

        using var allowed = await http.SendAsync(Preflight(SystemRunFile.AllowedOrigin));
        Header(allowed, "Access-Control-Allow-Origin").ShouldBe(SystemRunFile.AllowedOrigin);

        foreach (string origin in new[] { "https://evil.example", "null", SystemRunFile.AllowedOrigin + ".evil.example", "http://app.ledgerx.test" })
        {
            using var refused = await http.SendAsync(Preflight(origin));
            Header(refused, "Access-Control-Allow-Origin").ShouldBeNull(origin);
            Header(refused, "Access-Control-Allow-Credentials").ShouldBeNull(origin);
        }
    }

    [Theory]
    [InlineData(LedgerXSystem.LedgerAppId, "/api/v1/accounts")]
    [InlineData(LedgerXSystem.FraudAppId, "/api/v1/alerts")]
    [InlineData(LedgerXSystem.AnalyticsAppId, "/api/v1/ledger/volumes/daily")]
    [InlineData(LedgerXSystem.AuthAppId, "/api/v1/users/me")]
    public async Task An_app_refuses_a_call_that_does_not_come_from_its_own_sidecar_even_with_a_valid_token(string appId, string path)
    {
        var admin = await system.Identities.AdminAsync();
        using var http = new HttpClient { BaseAddress = system.AppUrl(appId), Timeout = TimeSpan.FromSeconds(10) };
        using var direct = admin.Request(HttpMethod.Get, path);
        using var forged = admin.Request(HttpMethod.Get, path);
        forged.Headers.TryAddWithoutValidation("dapr-api-token", "guessed");

        using var withoutAppToken = await http.SendAsync(direct);
        using var withWrongAppToken = await http.SendAsync(forged);

        withoutAppToken.StatusCode.ShouldBe(HttpStatusCode.Unauthorized, await withoutAppToken.Content.ReadAsStringAsync());
        withWrongAppToken.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Theory]
    [InlineData(LedgerXSystem.LedgerAppId)]
    [InlineData(LedgerXSystem.GatewayAppId)]
    public async Task A_sidecar_refuses_its_api_to_a_caller_without_its_api_token(string appId)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var sidecar = new Uri($"http://127.0.0.1:{system.App(appId).DaprHttpPort}/");

        using var metadata = await http.GetAsync(new Uri(sidecar, "v1.0/metadata"));
        using var invoke = await http.GetAsync(new Uri(sidecar, $"v1.0/invoke/{LedgerXSystem.LedgerAppId}/method/api/v1/ledger/verify"));
        using var state = await http.GetAsync(new Uri(sidecar, "v1.0/state/statestore/anything"));

        metadata.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        invoke.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        state.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Methods_an_api_does_not_serve_are_refused_and_trace_does_not_echo()
    {
        var alice = await system.Identities.CustomerAsync("alice");

        using var trace = await Ledger.SendAsync(alice, HttpMethod.Trace, "/api/v1/accounts");
        using var delete = await Ledger.SendAsync(alice, HttpMethod.Delete, "/api/v1/accounts");

        ((int)trace.StatusCode).ShouldBeInRange(400, 499);
        (await trace.Content.ReadAsStringAsync()).ShouldNotContain(alice.AccessToken);
        ((int)delete.StatusCode).ShouldBeInRange(400, 499);
    }

    private async Task<HttpResponseMessage> AnswerAsync(string kind)
    {
        if (kind == "unauthorized")
        {
            // Patient: tokenless requests share one address's budget with the other tests' tokenless floods.
            using var patient = system.PatientClient();
            return await patient.GetAsync("/api/v1/accounts");
        }

        using var http = system.Client();

        var alice = await system.Identities.CustomerAsync("alice");
        using var request = kind switch
        {
            "ok" => alice.Request(HttpMethod.Get, "/api/v1/accounts"),
            "not_found" => alice.Request(HttpMethod.Get, $"/api/v1/accounts/{Guid.CreateVersion7()}"),
            _ => alice.Request(HttpMethod.Post, "/api/v1/transfers"),
        };
        if (kind == "bad_request")
        {
            request.Content = new StringContent("{\"fromAccountId\": [", System.Text.Encoding.UTF8, "application/json");
        }

        return await http.SendAsync(request);
    }

    private static HttpRequestMessage Preflight(string origin)
    {
        var request = new HttpRequestMessage(HttpMethod.Options, "/api/v1/accounts");
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", "POST");
        request.Headers.Add("Access-Control-Request-Headers", "authorization,content-type");
        return request;
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values) ? string.Join(",", values) : null;
}
