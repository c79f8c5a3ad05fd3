namespace LedgerX.EndToEnd.Tests.Owasp;

/// <summary>
/// OWASP API6:2023 Unrestricted Access to Sensitive Business Flows. The flows that matter in a ledger are moving and
/// creating money and creating identities: money is created only by staff (ledger:fund), never spent twice, an
/// idempotency key cannot be used to replay or block another caller's operation, and sign-ups cannot be automated in
/// bulk from one address.
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class Api6UnrestrictedAccessToSensitiveBusinessFlows(LedgerXSystem system)
{
    private Ledger Ledger => system.Ledger;

    [Fact]
    public async Task An_idempotency_key_belongs_to_its_caller_so_another_caller_with_the_same_key_gets_their_own_effect()
    {
        var (alice, aliceAccount) = await Ledger.FundedCustomerAsync(100_00, "alice");
        var (bob, bobAccount) = await Ledger.FundedCustomerAsync(100_00, "bob");
        var payee = await system.Identities.CustomerAsync("payee");
        string payeeAccount = await Ledger.OpenAccountAsync(payee);
        string key = Guid.NewGuid().ToString();

        var (aliceFirst, _) = await TransferWithKeyAsync(alice, aliceAccount, payeeAccount, 10_00, key);
        var (aliceAgain, aliceReplayed) = await TransferWithKeyAsync(alice, aliceAccount, payeeAccount, 10_00, key);
        var (bobs, bobReplayed) = await TransferWithKeyAsync(bob, bobAccount, payeeAccount, 10_00, key);

        aliceReplayed.ShouldBeTrue("the same caller's retry replays: the key is in force");
        aliceAgain["id"]!.GetValue<string>().ShouldBe(aliceFirst["id"]!.GetValue<string>());
        bobReplayed.ShouldBeFalse("another caller's key space is not Alice's");
        bobs["id"]!.GetValue<string>().ShouldNotBe(aliceFirst["id"]!.GetValue<string>());
        (await Ledger.BalanceAsync(bobAccount)).ShouldBe(90_00);
        (await Ledger.BalanceAsync(aliceAccount)).ShouldBe(90_00);
        (await Ledger.BalanceAsync(payeeAccount)).ShouldBe(20_00);
    }

    [Fact]
    public async Task A_customer_cannot_create_money_with_a_journal_entry_against_someone_elses_account()
    {
        var (_, victimAccount) = await Ledger.FundedCustomerAsync(100_00);
        var mallory = await system.Identities.CustomerAsync("mallory");
        string malloryAccount = await Ledger.OpenAccountAsync(mallory);

        using var response = await Ledger.SendAsync(mallory, HttpMethod.Post, "/api/v1/entries", new
        {
            postings = new object[]
            {
                new { accountId = victimAccount, direction = "debit", amount = 100_00, currency = Ledger.Currency },
                new { accountId = malloryAccount, direction = "credit", amount = 100_00, currency = Ledger.Currency },
            },
        });

        ((int)response.StatusCode).ShouldBeInRange(400, 499, await response.Content.ReadAsStringAsync());
        (await Ledger.BalanceAsync(victimAccount)).ShouldBe(100_00);
        (await Ledger.BalanceAsync(malloryAccount)).ShouldBe(0);
    }

    [Fact]
    public async Task Money_is_never_spent_twice_however_many_transfers_race()
    {
        var (alice, aliceAccount) = await Ledger.FundedCustomerAsync(100_00, "racer");
        var bob = await system.Identities.CustomerAsync("bob");
        string bobAccount = await Ledger.OpenAccountAsync(bob);
        using var http = system.Client();

        var statuses = await Task.WhenAll(Enumerable.Range(0, 20).Select(async _ =>
        {
            using var response = await http.SendAsync(alice.Request(HttpMethod.Post, "/api/v1/transfers",
                new { fromAccountId = aliceAccount, toAccountId = bobAccount, amount = 10_00, currency = Ledger.Currency }));
            return response.StatusCode;
        }));

        int moved = statuses.Count(s => s == HttpStatusCode.Created);
        moved.ShouldBeLessThanOrEqualTo(10);
        (await Ledger.BalanceAsync(aliceAccount)).ShouldBe(100_00 - (moved * 10_00));
        (await Ledger.BalanceAsync(aliceAccount)).ShouldBeGreaterThanOrEqualTo(0);
        (await Ledger.BalanceAsync(bobAccount)).ShouldBe(moved * 10_00);
    }

    [Fact]
    public async Task Registering_accounts_in_bulk_from_one_address_is_throttled()
    {
        using var http = system.Client();
        var responses = await Task.WhenAll(Enumerable.Range(0, SystemRunFile.SignInBurst + 60).Select(_ =>
            http.PostAsJsonAsync("/api/v1/users/register", new { email = $"bot-{Guid.NewGuid():N}@ledgerx.test", password = Identities.CustomerPassword })));
        try
        {
            responses.ShouldContain(r => r.StatusCode == HttpStatusCode.TooManyRequests);
        }
        finally
        {
            foreach (var response in responses)
            {
                response.Dispose();
            }
        }
    }

    private async Task<(JsonObject Entry, bool Replayed)> TransferWithKeyAsync(Caller caller, string from, string to, long amount, string key)
    {
        using var http = system.PatientClient();
        using var request = caller.Request(HttpMethod.Post, "/api/v1/transfers", new { fromAccountId = from, toAccountId = to, amount, currency = Ledger.Currency });
        request.Headers.Add("Idempotency-Key", key);
        using var response = await http.SendAsync(request);
        await Identities.Expect(response, HttpStatusCode.Created);
        bool replayed = response.Headers.TryGetValues("Idempotent-Replayed", out var values) && values.Contains("true");
        return (JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject(), replayed);
    }
}
