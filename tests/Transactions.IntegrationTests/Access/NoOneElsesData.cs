using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LedgerX.Transactions.IntegrationTests.Infrastructure;

namespace LedgerX.Transactions.IntegrationTests.Access;

/// <summary>
/// Property level (OWASP API3, BOPLA): identity never comes from a request (an owner or approver in the body is
/// refused by name, see BadInput), and a response never carries another customer's data: the party on the other side of
/// an entry shows as an account id, without its balance (or the world account's); Idempotency-Keys are the caller's own.
/// </summary>
public sealed class NoOneElsesData(LedgerApi api) : IClassFixture<LedgerApi>
{
    private async Task<(string Alice, Guid AliceAccount, string Bob, Guid BobAccount)> TwoCustomersAsync()
    {
        var (alice, bob) = ($"alice-{Guid.NewGuid():N}", $"bob-{Guid.NewGuid():N}");
        var aliceAccount = (await api.OpenAccountAsync(alice)).Id;
        var bobAccount = (await api.OpenAccountAsync(bob)).Id;
        await api.DepositAsync(aliceAccount, 5_000);
        await api.DepositAsync(bobAccount, 7_000);
        return (alice, aliceAccount, bob, bobAccount);
    }

    private static JsonObject Posting(JsonObject entry, Guid account) =>
        entry["postings"]!.AsArray().Single(p => p!["accountId"]!.GetValue<Guid>() == account)!.AsObject();

    [Fact]
    public async Task ATransfer_ShowsThePayerTheirBalance_ButNotThePayees()
    {
        var (alice, aliceAccount, bob, bobAccount) = await TwoCustomersAsync();

        var response = await api.Client.SendAsync(Callers.Request(HttpMethod.Post, "/api/v1/transfers", Callers.Customer(alice),
            new { fromAccountId = aliceAccount, toAccountId = bobAccount, amount = 300, currency = "EUR" }));
        await LedgerApi.ExpectAsync(response, HttpStatusCode.Created);
        var text = await response.Content.ReadAsStringAsync();
        var entry = JsonNode.Parse(text)!.AsObject();
        var id = entry["id"]!.GetValue<Guid>();
        var bobsView = (await (await api.Client.SendAsync(Callers.Request(HttpMethod.Get, $"/api/v1/entries/{id}", Callers.Customer(bob))))
            .Content.ReadFromJsonAsync<JsonObject>())!;
        var staffView = (await api.Client.GetFromJsonAsync<JsonObject>($"/api/v1/entries/{id}"))!;

        Posting(entry, aliceAccount)["balanceAfter"]!.GetValue<long>().ShouldBe(4_700);
        Posting(entry, bobAccount)["balanceAfter"].ShouldBeNull();
        text.ShouldNotContain(bob);
        text.ShouldNotContain("7300");
        Posting(bobsView, bobAccount)["balanceAfter"]!.GetValue<long>().ShouldBe(7_300);
        Posting(bobsView, aliceAccount)["balanceAfter"].ShouldBeNull();
        Posting(staffView, bobAccount)["balanceAfter"]!.GetValue<long>().ShouldBe(7_300);
    }

    [Fact]
    public async Task ACustomersDepositReceipt_HidesTheWorldAccountsBalance()
    {
        var (alice, aliceAccount, _, _) = await TwoCustomersAsync();
        var deposit = await api.DepositAsync(aliceAccount, 1);

        var view = (await (await api.Client.SendAsync(Callers.Request(HttpMethod.Get, $"/api/v2/entries/{deposit.Id}", Callers.Customer(alice))))
            .Content.ReadFromJsonAsync<JsonObject>())!;

        var postings = view["postings"]!.AsArray();
        postings.Single(p => p!["accountId"]!.GetValue<Guid>() != aliceAccount)!["balanceAfter"].ShouldBeNull();
        Posting(view, aliceAccount)["balanceAfter"]!["amount"]!.GetValue<long>().ShouldBe(5_001);
    }

    [Fact]
    public async Task TwoCustomersSendingTheSameKeyAndBody_GetIndependentEffects()
    {
        var (alice, aliceAccount, bob, bobAccount) = await TwoCustomersAsync();
        var payee = (await api.OpenAccountAsync($"payee-{Guid.NewGuid():N}")).Id;
        var key = $"pay-{Guid.NewGuid()}";

        async Task<HttpResponseMessage> PayAsync(string who, Guid from)
        {
            var request = Callers.Request(HttpMethod.Post, "/api/v1/transfers", Callers.Customer(who),
                new { fromAccountId = from, toAccountId = payee, amount = 100, currency = "EUR", description = "rent" });
            request.Headers.Add("Idempotency-Key", key);
            return await api.Client.SendAsync(request);
        }
        using var fromAlice = await PayAsync(alice, aliceAccount);
        using var fromBob = await PayAsync(bob, bobAccount);
        using var aliceAgain = await PayAsync(alice, aliceAccount);

        await LedgerApi.ExpectAsync(fromAlice, HttpStatusCode.Created);
        await LedgerApi.ExpectAsync(fromBob, HttpStatusCode.Created);
        fromBob.Headers.Contains("Idempotent-Replayed").ShouldBeFalse("bob's key is not alice's");
        aliceAgain.Headers.GetValues("Idempotent-Replayed").ShouldBe(["true"]);
        (await api.GetAccountAsync(payee)).Balance.ShouldBe(200);
        (await api.GetAccountAsync(aliceAccount)).Balance.ShouldBe(4_900);
        (await api.GetAccountAsync(bobAccount)).Balance.ShouldBe(6_900);
    }
}
