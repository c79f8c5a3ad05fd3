using LedgerX.EndToEnd.Tests.Nlp;

namespace LedgerX.EndToEnd.Tests.Owasp;

/// <summary>
/// OWASP API1:2023 Broken Object Level Authorization. A customer sees and moves only their own accounts and the objects
/// that touch them; anything else answers exactly as an id that does not exist (404, same problem), so ids do not leak.
/// nlp-service's questions likewise: another customer's question is 404 <c>question_not_found</c> to read, cancel or
/// rate, exactly like an unknown id. Every case has its positive control (the owner, or staff with accounts:any, gets
/// the object), so a case cannot pass because the object was simply not there.
/// </summary>
public sealed class Api1BrokenObjectLevelAuthorization(LedgerXSystem system)
{
    private Ledger Ledger => system.Ledger;

    [Theory]
    [InlineData("/api/v1/accounts/{0}")]
    [InlineData("/api/v1/accounts/{0}/history")]
    [InlineData("/api/v2/accounts/{0}")]
    public async Task Another_customers_account_answers_like_an_account_that_does_not_exist(string template)
    {
        var (alice, aliceAccount) = await Ledger.FundedCustomerAsync(name: "alice");
        var mallory = await system.Identities.CustomerAsync("mallory");

        using var own = await Ledger.SendAsync(alice, HttpMethod.Get, string.Format(template, aliceAccount));
        own.StatusCode.ShouldBe(HttpStatusCode.OK, await own.Content.ReadAsStringAsync());
        using var foreign = await Ledger.SendAsync(mallory, HttpMethod.Get, string.Format(template, aliceAccount));
        using var missing = await Ledger.SendAsync(mallory, HttpMethod.Get, string.Format(template, Guid.CreateVersion7()));

        foreign.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await Ledger.ProblemShapeAsync(foreign)).ShouldBe(await Ledger.ProblemShapeAsync(missing));
        (await foreign.Content.ReadAsStringAsync()).ShouldNotContain(alice.Subject);
    }

    [Fact]
    public async Task Staff_with_accounts_any_see_any_account()
    {
        var (_, aliceAccount) = await Ledger.FundedCustomerAsync(42_00);

        (await Ledger.BalanceAsync(aliceAccount)).ShouldBe(42_00);
    }

    [Fact]
    public async Task A_customer_cannot_debit_another_customers_account_and_is_told_nothing_about_it()
    {
        var (_, aliceAccount) = await Ledger.FundedCustomerAsync(100_00);
        var mallory = await system.Identities.CustomerAsync("mallory");
        string malloryAccount = await Ledger.OpenAccountAsync(mallory);

        using var stolen = await Ledger.SendAsync(mallory, HttpMethod.Post, "/api/v1/transfers",
            new { fromAccountId = aliceAccount, toAccountId = malloryAccount, amount = 50_00, currency = Ledger.Currency });
        using var fromNowhere = await Ledger.SendAsync(mallory, HttpMethod.Post, "/api/v1/transfers",
            new { fromAccountId = Guid.CreateVersion7(), toAccountId = malloryAccount, amount = 50_00, currency = Ledger.Currency });

        ((int)stolen.StatusCode).ShouldBeInRange(400, 499, await stolen.Content.ReadAsStringAsync());
        (await Ledger.ProblemShapeAsync(stolen)).ShouldBe(await Ledger.ProblemShapeAsync(fromNowhere));
        (await Ledger.BalanceAsync(aliceAccount)).ShouldBe(100_00);
        (await Ledger.BalanceAsync(malloryAccount)).ShouldBe(0);
    }

    [Fact]
    public async Task Money_may_be_sent_to_any_existing_account_but_only_from_ones_own()
    {
        var (alice, aliceAccount) = await Ledger.FundedCustomerAsync(100_00, "alice");
        var bob = await system.Identities.CustomerAsync("bob");
        string bobAccount = await Ledger.OpenAccountAsync(bob);

        await Ledger.TransferAsync(alice, aliceAccount, bobAccount, 30_00);

        (await Ledger.BalanceAsync(bobAccount)).ShouldBe(30_00);
        (await Ledger.BalanceAsync(aliceAccount)).ShouldBe(70_00);
    }

    [Fact]
    public async Task A_customer_cannot_read_another_customers_entry_or_hold()
    {
        var (alice, aliceAccount) = await Ledger.FundedCustomerAsync(100_00, "alice");
        var bob = await system.Identities.CustomerAsync("bob");
        string bobAccount = await Ledger.OpenAccountAsync(bob);
        var mallory = await system.Identities.CustomerAsync("mallory");
        var entry = await Ledger.TransferAsync(alice, aliceAccount, bobAccount, 10_00);
        var hold = await Ledger.SendOkAsync(alice, HttpMethod.Post, "/api/v1/holds",
            new { accountId = aliceAccount, toAccountId = bobAccount, amount = 5_00, currency = Ledger.Currency }, HttpStatusCode.Created);

        foreach (string path in new[] { $"/api/v1/entries/{entry["id"]}", $"/api/v1/holds/{hold["id"]}" })
        {
            using var own = await Ledger.SendAsync(alice, HttpMethod.Get, path);
            own.StatusCode.ShouldBe(HttpStatusCode.OK, path);
            using var counterparty = await Ledger.SendAsync(bob, HttpMethod.Get, path);
            counterparty.StatusCode.ShouldBe(HttpStatusCode.OK, $"{path}: the payee's account is touched, so the payee may see it");
            using var foreign = await Ledger.SendAsync(mallory, HttpMethod.Get, path);
            foreign.StatusCode.ShouldBe(HttpStatusCode.NotFound, path);
            string missingPath = path[..path.LastIndexOf('/')] + "/" + Guid.CreateVersion7();
            using var missing = await Ledger.SendAsync(mallory, HttpMethod.Get, missingPath);
            (await Ledger.ProblemShapeAsync(foreign)).ShouldBe(await Ledger.ProblemShapeAsync(missing), path);
        }
    }

    [Fact]
    public async Task A_customer_cannot_void_or_post_another_customers_hold()
    {
        var (alice, aliceAccount) = await Ledger.FundedCustomerAsync(100_00, "alice");
        var mallory = await system.Identities.CustomerAsync("mallory");
        string malloryAccount = await Ledger.OpenAccountAsync(mallory);
        var hold = await Ledger.SendOkAsync(alice, HttpMethod.Post, "/api/v1/holds",
            new { accountId = aliceAccount, toAccountId = malloryAccount, amount = 40_00, currency = Ledger.Currency }, HttpStatusCode.Created);

        using var posted = await Ledger.SendAsync(mallory, HttpMethod.Post, $"/api/v1/holds/{hold["id"]}/post");

        // The payee of a hold must not be able to collect it: only the payer posts.
        posted.StatusCode.ShouldBe(HttpStatusCode.NotFound, await posted.Content.ReadAsStringAsync());
        (await Ledger.BalanceAsync(malloryAccount)).ShouldBe(0);
    }

    [Fact]
    public async Task A_customers_account_list_holds_only_their_own_accounts()
    {
        // Fresh customers: their lists hold exactly what this test opened.
        var alice = await system.Identities.NewCustomerAsync();
        var bob = await system.Identities.NewCustomerAsync();
        string aliceAccount = await Ledger.FundedAccountAsync(alice);
        string bobAccount = await Ledger.FundedAccountAsync(bob);

        var page = await Ledger.SendOkAsync(bob, HttpMethod.Get, "/api/v1/accounts", null, HttpStatusCode.OK);
        var ids = page["items"]!.AsArray().Select(a => a!["id"]!.GetValue<string>()).ToList();
        ids.ShouldContain(bobAccount);
        ids.ShouldNotContain(aliceAccount);

        using var othersList = await Ledger.SendAsync(bob, HttpMethod.Get, $"/api/v1/accounts?ownerId={Uri.EscapeDataString(alice.Subject)}");
        string body = await othersList.Content.ReadAsStringAsync();
        body.ShouldNotContain(aliceAccount, customMessage: "a customer asking for another owner's list must not get it");
    }

    [Theory]
    [InlineData("/api/v1/accounts/{0}/risk-profile")]
    [InlineData("/api/v1/accounts/{0}/balance-history")]
    [InlineData("/api/v1/accounts/{0}/spending")]
    [InlineData("/api/v1/accounts/{0}/counterparties")]
    [InlineData("/api/v1/accounts/{0}/alerts")]
    public async Task Another_customers_fraud_and_analytics_views_answer_404(string template)
    {
        var (alice, aliceAccount) = await Ledger.FundedCustomerAsync(name: "alice");
        var mallory = await system.Identities.CustomerAsync("mallory");
        string path = string.Format(template, aliceAccount);

        // The other services learn ownership from account.opened.v1: wait until the owner is served.
        await Eventually.SucceedsAsync(async () =>
        {
            using var own = await Ledger.SendAsync(alice, HttpMethod.Get, path);
            own.StatusCode.ShouldBe(HttpStatusCode.OK, await own.Content.ReadAsStringAsync());
        });
        using var foreign = await Ledger.SendAsync(mallory, HttpMethod.Get, path);
        using var missing = await Ledger.SendAsync(mallory, HttpMethod.Get, string.Format(template, Guid.CreateVersion7()));

        foreign.StatusCode.ShouldBe(HttpStatusCode.NotFound, await foreign.Content.ReadAsStringAsync());
        (await Ledger.ProblemShapeAsync(foreign)).ShouldBe(await Ledger.ProblemShapeAsync(missing));
    }

    [Fact]
    public async Task A_reversal_is_visible_to_the_accounts_it_touches_only()
    {
        var (alice, aliceAccount) = await Ledger.FundedCustomerAsync(100_00, "alice");
        var bob = await system.Identities.CustomerAsync("bob");
        string bobAccount = await Ledger.OpenAccountAsync(bob);
        var mallory = await system.Identities.CustomerAsync("mallory");
        var entry = await Ledger.TransferAsync(alice, aliceAccount, bobAccount, 10_00);
        var reversal = await Ledger.SendOkAsync(alice, HttpMethod.Post, "/api/v1/reversals",
            new { entryId = entry["id"]!.GetValue<string>(), reason = "sent by mistake" }, HttpStatusCode.Accepted);
        string path = $"/api/v1/reversals/{reversal["id"]}";

        using var own = await Ledger.SendAsync(alice, HttpMethod.Get, path);
        own.StatusCode.ShouldBe(HttpStatusCode.OK);
        using var foreign = await Ledger.SendAsync(mallory, HttpMethod.Get, path);
        foreign.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        using var list = await Ledger.SendAsync(mallory, HttpMethod.Get, $"/api/v1/reversals?accountId={aliceAccount}");
        string listed = await list.Content.ReadAsStringAsync();
        list.StatusCode.ShouldBeOneOf(HttpStatusCode.OK, HttpStatusCode.NotFound);
        listed.ShouldNotContain(reversal["id"]!.GetValue<string>());

        using var malloryReverses = await Ledger.SendAsync(mallory, HttpMethod.Post, "/api/v1/reversals",
            new { entryId = entry["id"]!.GetValue<string>(), reason = "not mine to reverse" });
        ((int)malloryReverses.StatusCode).ShouldBeInRange(400, 499, await malloryReverses.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Another_customers_question_answers_like_a_question_that_does_not_exist()
    {
        var alice = await system.Identities.NewCustomerAsync();
        var mallory = await system.Identities.NewCustomerAsync();
        var questions = new Questions(system);
        var asked = await questions.AskAndWaitAsync(alice, "What is my balance?");
        string id = Questions.Id(asked);

        foreach (var (method, path, body) in new (HttpMethod, string, object?)[]
                 {
                     (HttpMethod.Get, $"{Questions.Path}/{{0}}", null),
                     (HttpMethod.Post, $"{Questions.Path}/{{0}}/cancel", null),
                     (HttpMethod.Put, $"{Questions.Path}/{{0}}/rating", new { score = 1, comment = "not mine to rate" }),
                 })
        {
            using var foreign = await Ledger.SendAsync(mallory, method, string.Format(path, id), body);
            using var missing = await Ledger.SendAsync(mallory, method, string.Format(path, Guid.CreateVersion7()), body);

            foreign.StatusCode.ShouldBe(HttpStatusCode.NotFound, $"{method} {path}: {await foreign.Content.ReadAsStringAsync()}");
            (await Ledger.ProblemShapeAsync(foreign)).ShouldBe(await Ledger.ProblemShapeAsync(missing));
            JsonNode.Parse(await foreign.Content.ReadAsStringAsync())!["code"]!.GetValue<string>().ShouldBe("question_not_found");
        }

        var list = await Ledger.SendOkAsync(mallory, HttpMethod.Get, Questions.Path, null, HttpStatusCode.OK);
        list.ToJsonString().ShouldNotContain(id);
        var still = await Ledger.SendOkAsync(alice, HttpMethod.Get, $"{Questions.Path}/{id}", null, HttpStatusCode.OK);
        Questions.Status(still).ShouldBe("answered", "Mallory's cancel and rating changed nothing");
        still["rating"].ShouldBeNull();
    }
}
