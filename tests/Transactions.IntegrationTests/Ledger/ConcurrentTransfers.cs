using System.Net;
using System.Net.Http.Json;
using LedgerX.Transactions.IntegrationTests.Infrastructure;

namespace LedgerX.Transactions.IntegrationTests.Ledger;

public sealed class ConcurrentTransfers(LedgerApi api) : IClassFixture<LedgerApi>
{
    [Fact]
    public async Task NeverTakeAnAccountBelowItsLimit_AndKeepEveryCurrencyBalanced()
    {
        var source = await api.OpenAccountAsync("drainer", overdraftLimit: 250);
        await api.DepositAsync(source.Id, 1_000);
        var targets = new List<Guid>();
        for (var i = 0; i < 5; i++)
        {
            targets.Add((await api.OpenAccountAsync($"target-{i}")).Id);
        }

        // 50 transfers of 100 = 5,000 against 1,000 + 250 of overdraft: exactly 12 can succeed.
        var responses = await Task.WhenAll(Enumerable.Range(0, 50).Select(i => api.Client.PostAsJsonAsync("/api/v1/transfers",
            new { fromAccountId = source.Id, toAccountId = targets[i % targets.Count], amount = 100, currency = "EUR" })));

        responses.Count(r => r.StatusCode == HttpStatusCode.Created).ShouldBe(12);
        responses.Count(r => r.StatusCode == HttpStatusCode.UnprocessableEntity).ShouldBe(38);
        var drained = await api.GetAccountAsync(source.Id);
        drained.Balance.ShouldBe(-200);
        drained.AvailableBalance.ShouldBeGreaterThanOrEqualTo(-drained.OverdraftLimit);
        (await api.ScalarAsync<long>("SELECT coalesce(max(abs(s)), 0)::bigint FROM (SELECT sum(balance) s FROM accounts GROUP BY currency) t")).ShouldBe(0);
        (await api.ScalarAsync<long>($"SELECT count(*) FROM postings WHERE account_id = '{source.Id}' AND direction = 'debit'")).ShouldBe(12);
        (await api.VerifyAsync()).Ok.ShouldBeTrue();
    }

    [Fact]
    public async Task BetweenManyAccountsInBothDirections_KeepTheLedgerBalancedAndVerifiable()
    {
        var accounts = new List<Guid>();
        for (var i = 0; i < 10; i++)
        {
            var account = await api.OpenAccountAsync($"mesh-{i}", currency: "USD");
            await api.DepositAsync(account.Id, 500, "USD");
            accounts.Add(account.Id);
        }
        var random = new Random(42);
        var pairs = Enumerable.Range(0, 200).Select(_ => (From: accounts[random.Next(10)], To: accounts[random.Next(10)]))
            .Where(p => p.From != p.To).ToList();

        var responses = await Task.WhenAll(pairs.Select(p => api.Client.PostAsJsonAsync("/api/v1/transfers",
            new { fromAccountId = p.From, toAccountId = p.To, amount = 37, currency = "USD" })));

        responses.ShouldAllBe(r => r.StatusCode == HttpStatusCode.Created || r.StatusCode == HttpStatusCode.UnprocessableEntity);
        (await api.ScalarAsync<long>("SELECT count(*) FROM accounts WHERE kind = 'customer' AND balance - held < -overdraft_limit")).ShouldBe(0);
        (await api.ScalarAsync<long>("SELECT coalesce(sum(balance), 0)::bigint FROM accounts WHERE currency = 'USD'")).ShouldBe(0);
        (await api.VerifyAsync()).Ok.ShouldBeTrue();
    }
}
