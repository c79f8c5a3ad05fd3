namespace LedgerX.EndToEnd.Tests.Owasp;

/// <summary>
/// OWASP API5:2023 Broken Function Level Authorization. Every privileged function (nlp-service's operator views included) refuses a customer's token with 403
/// (the object is the customer's own, so only the function decides), and the same call with the staff role that
/// holds the permission succeeds, so a refusal cannot come from anything but the permission check.
/// </summary>
public sealed class Api5BrokenFunctionLevelAuthorization(LedgerXSystem system)
{
    private Ledger Ledger => system.Ledger;

    /// <summary>Privileged routes: method, path ({account} is the caller's own account, {user} the caller), body, the
    /// role that may call it.</summary>
    public static TheoryData<string, string, string?, string> PrivilegedRoutes => new()
    {
        { "POST", "/api/v1/deposits", """{"accountId":"{account}","amount":100,"currency":"EUR"}""", Identities.Roles.Teller },
        { "POST", "/api/v1/withdrawals", """{"accountId":"{account}","amount":100,"currency":"EUR"}""", Identities.Roles.Teller },
        { "POST", "/api/v2/deposits", """{"accountId":"{account}","amount":{"amount":100,"currency":"EUR"}}""", Identities.Roles.Teller },
        { "POST", "/api/v1/accounts/{account}/freeze", """{"reason":"self-freeze"}""", Identities.Roles.Teller },
        { "POST", "/api/v1/accounts/{account}/unfreeze", null, Identities.Roles.Teller },
        { "GET", "/api/v1/ledger/verify", null, Identities.Roles.Auditor },
        { "GET", "/api/v1/ledger/events", null, Identities.Roles.Auditor },
        { "GET", "/api/v1/audit/events", null, Identities.Roles.Auditor },
        { "GET", "/api/v1/ledger/volumes/daily", null, Identities.Roles.Auditor },
        { "POST", "/api/v1/admin/rebuild", null, Identities.Roles.Admin },
        { "GET", "/api/v1/admin/users/{user}/roles", null, Identities.Roles.Admin },
        { "PUT", "/api/v1/admin/users/{user}/roles/admin", null, Identities.Roles.Admin },
        // nlp-service's operator views (nlp:operate): other customers' questions and ratings, so never a customer's.
        { "GET", "/api/v1/nlp/dead-letters", null, Identities.Roles.Admin },
        { "GET", "/api/v1/nlp/ratings", null, Identities.Roles.Admin },
    };

    [Theory]
    [MemberData(nameof(PrivilegedRoutes))]
    public async Task A_customer_is_refused_with_403_and_staff_with_the_permission_is_served(string method, string path, string? body, string role)
    {
        // Role administration changes the user it names: that user is a fresh one.
        var customer = path.Contains("{user}", StringComparison.Ordinal) ? await system.Identities.NewCustomerAsync() : await system.Identities.CustomerAsync("customer");
        string account = await Ledger.FundedAccountAsync(customer, 10_00);

        using var refused = await SendAsync(customer, method, path, body, customer, account);

        string refusal = await refused.Content.ReadAsStringAsync();
        refused.StatusCode.ShouldBe(HttpStatusCode.Forbidden, refusal);
        refused.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json");

        var staff = role == Identities.Roles.Admin ? await system.Identities.AdminAsync() : await StaffAsync(role);
        using var served = await SendAsync(staff, method, path, body, customer, account);
        ((int)served.StatusCode).ShouldBeInRange(200, 299, $"{method} {path} as {role}: {await served.Content.ReadAsStringAsync()}");
    }

    [Fact]
    public async Task A_customer_cannot_approve_a_reversal_of_their_own_transfer()
    {
        var (alice, aliceAccount) = await Ledger.FundedCustomerAsync(100_00, "alice");
        var bob = await system.Identities.CustomerAsync("bob");
        string bobAccount = await Ledger.OpenAccountAsync(bob);
        var entry = await Ledger.TransferAsync(alice, aliceAccount, bobAccount, 10_00);
        var reversal = await Ledger.SendOkAsync(alice, HttpMethod.Post, "/api/v1/reversals",
            new { entryId = entry["id"]!.GetValue<string>(), reason = "changed my mind" }, HttpStatusCode.Accepted);

        using var approved = await Ledger.SendAsync(alice, HttpMethod.Post, $"/api/v1/reversals/{reversal["id"]}/approval", new { approved = true });

        approved.StatusCode.ShouldBe(HttpStatusCode.Forbidden, await approved.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_customer_cannot_acknowledge_a_fraud_alert()
    {
        var customer = await system.Identities.CustomerAsync("customer");

        using var response = await Ledger.SendAsync(customer, HttpMethod.Post, $"/api/v1/alerts/{Guid.CreateVersion7()}/acknowledge", new { });

        response.StatusCode.ShouldBe(HttpStatusCode.Forbidden, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_customer_cannot_requeue_a_dead_lettered_question_and_an_operator_is_told_it_does_not_exist()
    {
        var customer = await system.Identities.CustomerAsync("customer");
        var admin = await system.Identities.AdminAsync();
        string path = $"/api/v1/nlp/dead-letters/{Guid.CreateVersion7()}/requeue";

        using var refused = await Ledger.SendAsync(customer, HttpMethod.Post, path);
        using var unknown = await Ledger.SendAsync(admin, HttpMethod.Post, path);

        refused.StatusCode.ShouldBe(HttpStatusCode.Forbidden, await refused.Content.ReadAsStringAsync());
        unknown.StatusCode.ShouldBe(HttpStatusCode.NotFound, "the operator passes the permission check and meets the object check: " + await unknown.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_machine_client_gets_only_the_scopes_it_was_given()
    {
        var machine = await system.Identities.MachineAsync("ledger:read");

        using var verify = await Ledger.SendAsync(machine, HttpMethod.Get, "/api/v1/ledger/verify");

        verify.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        using var http = system.Client();
        using var token = await http.PostAsync("/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials", ["client_id"] = Identities.MachineClient, ["client_secret"] = Identities.MachineSecret,
            ["scope"] = "users:admin",
        }));
        token.StatusCode.ShouldBe(HttpStatusCode.BadRequest, "a client asking for a scope it was not given gets no token");
    }

    private async Task<Caller> StaffAsync(string role) => role switch
    {
        Identities.Roles.Teller => await system.Identities.TellerAsync(),
        Identities.Roles.Auditor => await system.Identities.AuditorAsync(),
        Identities.Roles.FraudAnalyst => await system.Identities.FraudAnalystAsync(),
        _ => throw new ArgumentOutOfRangeException(nameof(role)),
    };

    private async Task<HttpResponseMessage> SendAsync(Caller caller, string method, string path, string? body, Caller customer, string account)
    {
        string Fill(string text) => text.Replace("{account}", account, StringComparison.Ordinal).Replace("{user}", customer.Subject, StringComparison.Ordinal);
        using var http = system.PatientClient();
        using var request = caller.Request(new HttpMethod(method), Fill(path));
        if (body is not null)
        {
            request.Content = new StringContent(Fill(body), System.Text.Encoding.UTF8, "application/json");
        }

        return await http.SendAsync(request);
    }
}
