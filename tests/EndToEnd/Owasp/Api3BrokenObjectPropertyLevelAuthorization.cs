namespace LedgerX.EndToEnd.Tests.Owasp;

/// <summary>
/// OWASP API3:2023 Broken Object Property Level Authorization. Identity and ownership never come from a body (a body
/// that still sends <c>ownerId</c> or <c>by</c> is refused, naming the field, so old clients learn why); properties a
/// client must not set (balance, status) are refused rather than ignored; and responses never carry another
/// customer's data.
/// </summary>
public sealed class Api3BrokenObjectPropertyLevelAuthorization(LedgerXSystem system)
{
    private Ledger Ledger => system.Ledger;

    [Fact]
    public async Task An_account_is_owned_by_the_token_subject_and_an_ownerId_in_the_body_is_refused_naming_it()
    {
        var alice = await system.Identities.CustomerAsync("alice");
        var mallory = await system.Identities.CustomerAsync("mallory");

        using var spoofed = await Ledger.SendAsync(mallory, HttpMethod.Post, "/api/v1/accounts", new { ownerId = alice.Subject, currency = Ledger.Currency });
        await ShouldNameFieldAsync(spoofed, "ownerId");

        var own = await Ledger.SendOkAsync(mallory, HttpMethod.Post, "/api/v1/accounts", new { currency = Ledger.Currency }, HttpStatusCode.Created);
        own["ownerId"]!.GetValue<string>().ShouldBe(mallory.Subject);
    }

    [Theory]
    [InlineData("balance", 1_000_000_00L)]
    [InlineData("status", "active")]
    [InlineData("kind", "world")]
    [InlineData("heldAmount", 0L)]
    public async Task Properties_a_client_must_not_set_are_refused_not_ignored(string property, object value)
    {
        var mallory = await system.Identities.CustomerAsync("mallory");
        var body = new Dictionary<string, object> { ["currency"] = Ledger.Currency, [property] = value };

        using var response = await Ledger.SendAsync(mallory, HttpMethod.Post, "/api/v1/accounts", body);

        await ShouldNameFieldAsync(response, property);
    }

    [Fact]
    public async Task An_approver_comes_from_the_token_and_a_by_field_is_refused_naming_it()
    {
        var (alice, aliceAccount) = await Ledger.FundedCustomerAsync(100_00, "alice");
        var bob = await system.Identities.CustomerAsync("bob");
        string bobAccount = await Ledger.OpenAccountAsync(bob);
        var entry = await Ledger.TransferAsync(alice, aliceAccount, bobAccount, 10_00);
        var reversal = await Ledger.SendOkAsync(alice, HttpMethod.Post, "/api/v1/reversals",
            new { entryId = entry["id"]!.GetValue<string>(), reason = "duplicate" }, HttpStatusCode.Accepted);
        var analyst = await system.Identities.FraudAnalystAsync();

        using var withBy = await Ledger.SendAsync(analyst, HttpMethod.Post, $"/api/v1/reversals/{reversal["id"]}/approval",
            new { approved = true, by = "someone-else" });

        await ShouldNameFieldAsync(withBy, "by");
    }

    [Fact]
    public async Task An_alert_acknowledgement_takes_no_acknowledgedBy_field()
    {
        var analyst = await system.Identities.FraudAnalystAsync();

        using var response = await Ledger.SendAsync(analyst, HttpMethod.Post, $"/api/v1/alerts/{Guid.CreateVersion7()}/acknowledge",
            new { acknowledgedBy = "someone-else" });

        await ShouldNameFieldAsync(response, "acknowledgedBy");
    }

    [Fact]
    public async Task A_payers_view_of_a_transfer_shows_the_payees_account_but_not_its_balance_or_owner()
    {
        var (alice, aliceAccount) = await Ledger.FundedCustomerAsync(100_00, "alice");
        var (bob, bobAccount) = await Ledger.FundedCustomerAsync(77_00, "bob");

        var entry = await Ledger.TransferAsync(alice, aliceAccount, bobAccount, 10_00);
        using var read = await Ledger.SendAsync(alice, HttpMethod.Get, $"/api/v1/entries/{entry["id"]}");
        var reread = JsonNode.Parse(await read.Content.ReadAsStringAsync())!.AsObject();

        foreach (var view in new[] { entry, reread })
        {
            var postings = view["postings"]!.AsArray();
            var payer = postings.Single(p => p!["accountId"]!.GetValue<string>() == aliceAccount)!;
            var payee = postings.Single(p => p!["accountId"]!.GetValue<string>() == bobAccount)!;
            payer["balanceAfter"]!.GetValue<long>().ShouldBe(90_00);
            (payee["balanceAfter"] is null).ShouldBeTrue("the payer must not learn the payee's balance");
            view.ToJsonString().ShouldNotContain(bob.Subject);
        }
    }

    private static async Task ShouldNameFieldAsync(HttpResponseMessage response, string field)
    {
        string body = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest, body);
        response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json");
        var errors = JsonNode.Parse(body)!["errors"]?.AsObject();
        errors.ShouldNotBeNull(body);
        errors.Select(e => e.Key).ShouldContain(k => string.Equals(k, field, StringComparison.OrdinalIgnoreCase), body);
    }
}
