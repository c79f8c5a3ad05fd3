using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LedgerX.Transactions.IntegrationTests.Infrastructure;

namespace LedgerX.Transactions.IntegrationTests.Access;

/// <summary>
/// Object level (OWASP API1, BOLA): without accounts:any a caller sees and acts only on their own accounts and on the
/// entries, holds and reversals that touch one of them. Anything else answers exactly as an id that does not exist
/// (same status, same body but for the id), so ids do not leak; money may be sent to any account but taken only from
/// the caller's own. Staff (accounts:any) act on anyone's.
/// </summary>
public sealed class OwnObjectsOnly(LedgerApi api) : IClassFixture<LedgerApi>
{
    /// <summary>alice and bob, customers with funded accounts; bob paid carol, holds money for her, and asked for a reversal.</summary>
    private sealed record Bank(string Alice, Guid AliceAccount, Guid AliceDeposit, string Bob, Guid BobAccount, Guid CarolAccount, Guid BobTransfer,
        Guid BobHold, Guid BobReversal);

    private async Task<Bank> BankAsync()
    {
        var (alice, bob, carol) = ($"alice-{Guid.NewGuid():N}", $"bob-{Guid.NewGuid():N}", $"carol-{Guid.NewGuid():N}");
        var aliceAccount = (await api.OpenAccountAsync(alice)).Id;
        var bobAccount = (await api.OpenAccountAsync(bob)).Id;
        var carolAccount = (await api.OpenAccountAsync(carol)).Id;
        var aliceDeposit = (await api.DepositAsync(aliceAccount, 10_000)).Id;
        await api.DepositAsync(bobAccount, 10_000);
        var transfer = await SendAsync(Callers.Customer(bob), HttpMethod.Post, "/api/v1/transfers",
            new { fromAccountId = bobAccount, toAccountId = carolAccount, amount = 100, currency = "EUR" });
        await LedgerApi.ExpectAsync(transfer, HttpStatusCode.Created);
        var bobTransfer = await IdAsync(transfer);
        var hold = await SendAsync(Callers.Customer(bob), HttpMethod.Post, "/api/v1/holds",
            new { accountId = bobAccount, toAccountId = carolAccount, amount = 50, currency = "EUR" });
        await LedgerApi.ExpectAsync(hold, HttpStatusCode.Created);
        var reversal = await SendAsync(Callers.Customer(bob), HttpMethod.Post, "/api/v1/reversals", new { entryId = bobTransfer, reason = "wrong payee" });
        await LedgerApi.ExpectAsync(reversal, HttpStatusCode.Accepted);
        return new Bank(alice, aliceAccount, aliceDeposit, bob, bobAccount, carolAccount, bobTransfer, await IdAsync(hold), await IdAsync(reversal));
    }

    private async Task<HttpResponseMessage> SendAsync(AuthenticationHeaderValue caller, HttpMethod method, string path, object? body = null) =>
        await api.Client.SendAsync(Callers.Request(method, path, caller, body));

    private static async Task<Guid> IdAsync(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<Guid>();

    /// <summary>Asks for <paramref name="theirs"/> and for a fresh id in its place: both answers must be the same but for the id.</summary>
    private async Task<(HttpStatusCode Status, string Body)> ShouldLookMissingAsync(AuthenticationHeaderValue caller, HttpMethod method, string template,
        Guid theirs, Func<Guid, object?>? body = null)
    {
        var missing = Guid.NewGuid();
        using var forTheirs = await SendAsync(caller, method, template.Replace("{id}", theirs.ToString()), body?.Invoke(theirs));
        using var forMissing = await SendAsync(caller, method, template.Replace("{id}", missing.ToString()), body?.Invoke(missing));

        var (theirsText, missingText) = (await forTheirs.Content.ReadAsStringAsync(), await forMissing.Content.ReadAsStringAsync());
        forTheirs.StatusCode.ShouldBe(forMissing.StatusCode, $"{method} {template}: {theirsText}");
        forTheirs.StatusCode.ShouldBeOneOf([HttpStatusCode.BadRequest, HttpStatusCode.NotFound, HttpStatusCode.UnprocessableEntity], theirsText);
        Normalized(theirsText, theirs).ShouldBe(Normalized(missingText, missing), $"{method} {template}");
        return (forTheirs.StatusCode, theirsText);
    }

    // The trace id differs per request by design; everything else must not.
    private static string Normalized(string problem, Guid id)
    {
        var node = JsonNode.Parse(problem.Replace(id.ToString(), "{id}", StringComparison.Ordinal))!.AsObject();
        node.Remove("traceId");
        return node.ToJsonString();
    }

    [Fact]
    public async Task AnotherCustomersObjects_ReadExactlyAsMissingOnes()
    {
        var bank = await BankAsync();
        var alice = Callers.Customer(bank.Alice);

        (await ShouldLookMissingAsync(alice, HttpMethod.Get, "/api/v1/accounts/{id}", bank.BobAccount)).Status.ShouldBe(HttpStatusCode.NotFound);
        await ShouldLookMissingAsync(alice, HttpMethod.Get, "/api/v1/accounts/{id}/history", bank.BobAccount);
        await ShouldLookMissingAsync(alice, HttpMethod.Get, "/api/v1/entries/{id}", bank.BobTransfer);
        await ShouldLookMissingAsync(alice, HttpMethod.Get, "/api/v1/holds/{id}", bank.BobHold);
        await ShouldLookMissingAsync(alice, HttpMethod.Get, "/api/v1/reversals/{id}", bank.BobReversal);
        await ShouldLookMissingAsync(alice, HttpMethod.Get, "/api/v2/accounts/{id}", bank.BobAccount);
        await ShouldLookMissingAsync(alice, HttpMethod.Get, "/api/v2/entries/{id}", bank.BobTransfer);
    }

    [Fact]
    public async Task AnotherCustomersAccounts_CannotBeDebitedClosedOrHeld_AndNothingMoves()
    {
        var bank = await BankAsync();
        var alice = Callers.Customer(bank.Alice);
        var bobBefore = await api.GetAccountAsync(bank.BobAccount);

        (await ShouldLookMissingAsync(alice, HttpMethod.Post, "/api/v1/transfers", bank.BobAccount,
            id => new { fromAccountId = id, toAccountId = bank.AliceAccount, amount = 100, currency = "EUR" })).Body.ShouldContain("fromAccountId");
        // The ledger checks a description before the accounts: a foreign account must not change which answer comes first.
        (await ShouldLookMissingAsync(alice, HttpMethod.Post, "/api/v1/transfers", bank.BobAccount,
            id => new { fromAccountId = id, toAccountId = bank.AliceAccount, amount = 100, currency = "EUR", description = new string('x', 501) }))
            .Body.ShouldContain("description");
        (await ShouldLookMissingAsync(alice, HttpMethod.Post, "/api/v2/transfers", bank.BobAccount,
            id => new { fromAccountId = id, toAccountId = bank.AliceAccount, amount = new { amount = 100, currency = "EUR" } })).Body.ShouldContain("fromAccountId");
        (await ShouldLookMissingAsync(alice, HttpMethod.Post, "/api/v1/entries", bank.BobAccount, id => new
        {
            postings = new object[]
            {
                new { accountId = bank.AliceAccount, direction = "credit", amount = 100, currency = "EUR" },
                new { accountId = id, direction = "debit", amount = 100, currency = "EUR" },
            },
        })).Body.ShouldContain("postings[1].accountId");
        await ShouldLookMissingAsync(alice, HttpMethod.Post, "/api/v1/holds", bank.BobAccount,
            id => new { accountId = id, toAccountId = bank.AliceAccount, amount = 100, currency = "EUR" });
        await ShouldLookMissingAsync(alice, HttpMethod.Post, "/api/v1/holds/{id}/post", bank.BobHold);
        await ShouldLookMissingAsync(alice, HttpMethod.Post, "/api/v1/holds/{id}/void", bank.BobHold);
        await ShouldLookMissingAsync(alice, HttpMethod.Post, "/api/v1/accounts/{id}/close", bank.BobAccount);
        await ShouldLookMissingAsync(alice, HttpMethod.Post, "/api/v1/reversals", bank.BobTransfer, id => new { entryId = id, reason = "mine now" });

        var bobAfter = await api.GetAccountAsync(bank.BobAccount);
        (bobAfter.Balance, bobAfter.HeldAmount, bobAfter.Status, bobAfter.Version).ShouldBe((bobBefore.Balance, bobBefore.HeldAmount, bobBefore.Status, bobBefore.Version));
        (await api.GetAccountAsync(bank.AliceAccount)).Balance.ShouldBe(10_000);
    }

    [Fact]
    public async Task ACustomer_PaysAnyAccount_AndActsOnTheirOwn()
    {
        var bank = await BankAsync();
        var alice = Callers.Customer(bank.Alice);

        var paid = await SendAsync(alice, HttpMethod.Post, "/api/v1/transfers",
            new { fromAccountId = bank.AliceAccount, toAccountId = bank.BobAccount, amount = 250, currency = "EUR" });
        await LedgerApi.ExpectAsync(paid, HttpStatusCode.Created);
        var entry = await IdAsync(paid);
        await LedgerApi.ExpectAsync(await SendAsync(alice, HttpMethod.Get, $"/api/v1/accounts/{bank.AliceAccount}"), HttpStatusCode.OK);
        await LedgerApi.ExpectAsync(await SendAsync(alice, HttpMethod.Get, $"/api/v1/accounts/{bank.AliceAccount}/history"), HttpStatusCode.OK);
        await LedgerApi.ExpectAsync(await SendAsync(alice, HttpMethod.Get, $"/api/v1/entries/{entry}"), HttpStatusCode.OK);
        // bob sees what touched his account, the payment alice sent him included.
        await LedgerApi.ExpectAsync(await SendAsync(Callers.Customer(bank.Bob), HttpMethod.Get, $"/api/v1/entries/{entry}"), HttpStatusCode.OK);
        await LedgerApi.ExpectAsync(await SendAsync(alice, HttpMethod.Post, "/api/v1/reversals", new { entryId = entry, reason = "sent twice" }),
            HttpStatusCode.Accepted);
        (await api.GetAccountAsync(bank.BobAccount)).Balance.ShouldBe(10_000 - 100 + 250);
    }

    /// <summary>Reversing a withdrawal brings money back into the ledger, as only funding staff may; a deposit debited
    /// the world account, not the customer's, so to the customer it is no entry of theirs to reverse.</summary>
    [Fact]
    public async Task ACustomer_CannotReverseMoneyCrossingTheLedgersEdge()
    {
        var bank = await BankAsync();
        var withdrawal = await SendAsync(Callers.Teller(), HttpMethod.Post, "/api/v1/withdrawals",
            new { accountId = bank.AliceAccount, amount = 100, currency = "EUR" });
        await LedgerApi.ExpectAsync(withdrawal, HttpStatusCode.Created);

        var ofWithdrawal = await SendAsync(Callers.Customer(bank.Alice), HttpMethod.Post, "/api/v1/reversals",
            new { entryId = await IdAsync(withdrawal), reason = "give it back" });
        var ofDeposit = await SendAsync(Callers.Customer(bank.Alice), HttpMethod.Post, "/api/v1/reversals", new { entryId = bank.AliceDeposit, reason = "again" });

        ofWithdrawal.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        (await ofWithdrawal.Content.ReadFromJsonAsync<JsonObject>())!["code"]!.GetValue<string>().ShouldBe("reversal_needs_ledger_fund");
        ofDeposit.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        (await ofDeposit.Content.ReadFromJsonAsync<JsonObject>())!["code"]!.GetValue<string>().ShouldBe("entry_not_found");
    }

    [Fact]
    public async Task Lists_HoldOnlyTheCallersObjects_AndAnotherOwnerIsNotAFilterForThem()
    {
        var bank = await BankAsync();
        var bob = Callers.Customer(bank.Bob);

        var accounts = await (await SendAsync(bob, HttpMethod.Get, "/api/v1/accounts")).Content.ReadFromJsonAsync<JsonObject>();
        var reversals = await (await SendAsync(Callers.Customer(bank.Alice), HttpMethod.Get, "/api/v1/reversals?limit=200")).Content.ReadFromJsonAsync<JsonObject>();
        var theirs = await SendAsync(bob, HttpMethod.Get, $"/api/v1/accounts?ownerId={bank.Alice}");
        var staff = await (await SendAsync(Callers.Teller(), HttpMethod.Get, $"/api/v1/accounts?ownerId={bank.Alice}")).Content.ReadFromJsonAsync<JsonObject>();

        accounts!["items"]!.AsArray().Select(a => a!["id"]!.GetValue<Guid>()).ShouldBe([bank.BobAccount]);
        reversals!["items"]!.AsArray().ShouldBeEmpty();
        theirs.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await theirs.Content.ReadAsStringAsync()).ShouldContain("ownerId");
        staff!["items"]!.AsArray().Select(a => a!["id"]!.GetValue<Guid>()).ShouldBe([bank.AliceAccount]);
    }

    [Fact]
    public async Task StaffWithAccountsAny_ActForAnyone()
    {
        var bank = await BankAsync();
        var teller = Callers.Teller();

        await LedgerApi.ExpectAsync(await SendAsync(teller, HttpMethod.Get, $"/api/v1/holds/{bank.BobHold}"), HttpStatusCode.OK);
        await LedgerApi.ExpectAsync(await SendAsync(teller, HttpMethod.Post, "/api/v1/transfers",
            new { fromAccountId = bank.BobAccount, toAccountId = bank.AliceAccount, amount = 10, currency = "EUR" }), HttpStatusCode.Created);
        await LedgerApi.ExpectAsync(await SendAsync(teller, HttpMethod.Post, $"/api/v1/holds/{bank.BobHold}/void"), HttpStatusCode.OK);
    }
}
