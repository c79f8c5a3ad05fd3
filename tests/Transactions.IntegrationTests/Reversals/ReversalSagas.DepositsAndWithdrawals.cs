using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LedgerX.Transactions.Api.Apis;
using LedgerX.Transactions.IntegrationTests.Infrastructure;

namespace LedgerX.Transactions.IntegrationTests.Reversals;

/// <summary>Reversals of money that entered or left the ledger: the other side is the currency's world account, which
/// only the saga may hold and post against (clients never name it).</summary>
public sealed partial class ReversalSagas
{
    private async Task<Guid> WorldAccountAsync(string currency = "EUR") =>
        await Api.ScalarAsync<Guid>($"SELECT id FROM accounts WHERE kind = 'world' AND currency = '{currency}'");

    private async Task<EntryResponse> WithdrawAsync(Guid accountId, long amount)
    {
        var response = await Api.Client.PostAsJsonAsync("/api/v1/withdrawals", new { accountId, amount, currency = "EUR" });
        await LedgerApi.ExpectAsync(response, HttpStatusCode.Created);
        return (await response.Content.ReadFromJsonAsync<EntryResponse>(LedgerApi.Json))!;
    }

    private async Task<EntryResponse> EntryAsync(Guid id) => (await Api.Client.GetFromJsonAsync<EntryResponse>($"/api/v1/entries/{id}", LedgerApi.Json))!;

    [Fact]
    public async Task ADepositReversal_TakesTheMoneyBackOutOfTheLedger()
    {
        var customer = (await Api.OpenAccountAsync("cheque-payee")).Id;
        var deposit = await Api.DepositAsync(customer, 800);
        var world = await WorldAccountAsync();

        var accepted = await Api.RequestReversalAsync(deposit.Id, reason: "cheque bounced");
        var done = await Api.FinishedAsync(accepted.Id);

        (accepted.AccountId, accepted.CounterpartyAccountId).ShouldBe((customer, world));
        done.Status.ShouldBe("completed", done.FailureReason);
        var reversing = await EntryAsync(done.ReversalEntryId!.Value);
        (reversing.Kind, reversing.ReversesEntryId).ShouldBe(("reversal", deposit.Id));
        reversing.Postings.Select(p => (p.AccountId, p.Direction, p.Amount)).ShouldBe([(customer, "debit", 800L), (world, "credit", 800L)]);
        (await Api.GetAccountAsync(customer)).Balance.ShouldBe(0);
        (await Api.GetAccountAsync(world)).HeldAmount.ShouldBe(0);
        await Api.AssertLedgerInvariantsAsync();
    }

    [Fact]
    public async Task AWithdrawalReversal_BringsTheMoneyBackIn()
    {
        var customer = (await Api.OpenAccountAsync("atm-user")).Id;
        await Api.DepositAsync(customer, 1_000);
        var withdrawal = await WithdrawAsync(customer, 300);
        var world = await WorldAccountAsync();

        var accepted = await Api.RequestReversalAsync(withdrawal.Id, reason: "ATM dispensed nothing");
        var done = await Api.FinishedAsync(accepted.Id);

        (accepted.AccountId, accepted.CounterpartyAccountId).ShouldBe((world, customer));
        done.Status.ShouldBe("completed", done.FailureReason);
        var reversing = await EntryAsync(done.ReversalEntryId!.Value);
        reversing.Postings.Select(p => (p.AccountId, p.Direction, p.Amount)).ShouldBe([(world, "debit", 300L), (customer, "credit", 300L)]);
        (await Api.GetAccountAsync(customer)).Balance.ShouldBe(1_000);
        (await Api.GetAccountAsync(world)).HeldAmount.ShouldBe(0);
        // The hold on the world account says whose it is, so consumers (fraud-service) do not take it for spending.
        (await Api.ScalarAsync<string>(
                $"SELECT payload->>'accountId' || ' ' || (payload->>'reversalId') FROM event_log WHERE type = 'hold.created.v1' AND payload->>'reversalId' = '{accepted.Id}'"))
            .ShouldBe($"{world} {accepted.Id}");
        await Api.AssertLedgerInvariantsAsync();
    }

    [Fact]
    public async Task ADepositReversalAfterTheMoneyWasSpent_FailsWithNothingMovedOrHeld()
    {
        var customer = (await Api.OpenAccountAsync("spender")).Id;
        var deposit = await Api.DepositAsync(customer, 800);
        await WithdrawAsync(customer, 500);

        var done = await Api.FinishedAsync((await Api.RequestReversalAsync(deposit.Id, reason: "cheque bounced")).Id);

        done.Status.ShouldBe("failed");
        done.FailureReason!.ShouldContain("insufficient_funds");
        done.Compensations.ShouldBeEmpty();
        done.ReversalEntryId.ShouldBeNull();
        var account = await Api.GetAccountAsync(customer);
        (account.Balance, account.HeldAmount).ShouldBe((300, 0));
        (await Api.ScalarAsync<long>($"SELECT count(*) FROM journal_entries WHERE reverses_entry_id = '{deposit.Id}'")).ShouldBe(0);
        await Api.AssertLedgerInvariantsAsync();
    }

    [Theory]
    [InlineData("deposit", "fail:post", new[] { "hold_voided" })]
    [InlineData("deposit", "fail-after:post", new[] { "entry_compensated" })]
    [InlineData("withdrawal", "fail:post", new[] { "hold_voided" })]
    [InlineData("withdrawal", "fail-after:post", new[] { "entry_compensated" })]
    public async Task AFailureAfterTheWorldSideWasHeldOrPosted_IsCompensated(string kind, string fault, string[] compensations)
    {
        var customer = (await Api.OpenAccountAsync("compensated")).Id;
        var deposit = await Api.DepositAsync(customer, 900);
        var entry = kind == "deposit" ? deposit.Id : (await WithdrawAsync(customer, 400)).Id;
        var before = await Api.GetAccountAsync(customer);

        var done = await Api.FinishedAsync((await Api.RequestReversalAsync(entry, reason: fault)).Id);

        done.Status.ShouldBe("failed");
        done.FailureReason!.ShouldContain("injected failure");
        done.Compensations.ShouldBe(compensations);
        var after = await Api.GetAccountAsync(customer);
        (after.Balance, after.HeldAmount).ShouldBe((before.Balance, 0));
        (await Api.GetAccountAsync(await WorldAccountAsync())).HeldAmount.ShouldBe(0);
        await Api.AssertLedgerInvariantsAsync();
    }

    [Fact]
    public async Task AJournalEntryOrAReversingEntry_IsRefusedAtRequestTime_NamingTheEntry()
    {
        var (payer, receiver, transfer) = await TransferAsync(500);
        var journal = await Api.Client.PostAsJsonAsync("/api/v1/entries", new
        {
            postings = new object[]
            {
                new { accountId = receiver, direction = "debit", amount = 100, currency = "EUR" },
                new { accountId = payer, direction = "credit", amount = 100, currency = "EUR" },
            },
        });
        await LedgerApi.ExpectAsync(journal, HttpStatusCode.Created);
        var journalId = (await journal.Content.ReadFromJsonAsync<EntryResponse>(LedgerApi.Json))!.Id;
        var reversing = (await Api.FinishedAsync((await Api.RequestReversalAsync(transfer, 100)).Id)).ReversalEntryId!.Value;
        var before = await Api.ScalarAsync<long>("SELECT count(*) FROM event_log");

        foreach (var refusedEntry in new[] { journalId, reversing })
        {
            var response = await Api.Client.PostAsJsonAsync("/api/v1/reversals", new { entryId = refusedEntry, reason = "x" });

            response.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
            var problem = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
            problem["code"]!.GetValue<string>().ShouldBe("entry_not_reversible", problem.ToJsonString());
            problem["errors"]!.AsObject().ContainsKey("entryId").ShouldBeTrue(problem.ToJsonString());
        }
        (await Api.ScalarAsync<long>("SELECT count(*) FROM event_log")).ShouldBe(before);
    }
}
