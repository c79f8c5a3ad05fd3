using System.Net;
using System.Net.Http.Json;
using LedgerX.Transactions.Api.Apis;
using LedgerX.Transactions.IntegrationTests.Infrastructure;

namespace LedgerX.Transactions.IntegrationTests.Ledger;

public sealed class Holds(Holds.FastMaintenance api) : IClassFixture<Holds.FastMaintenance>
{
    /// <summary>Maintenance every 100 ms, so a 1-second hold visibly expires within the test.</summary>
    public sealed class FastMaintenance : LedgerApi
    {
        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?> { ["Ledger:MaintenanceIntervalMs"] = "100" };
    }

    [Fact]
    public async Task AHold_ReducesTheAvailableBalance_NotTheBalance()
    {
        var (from, to) = await FundedPair(1_000);

        var hold = await CreateHold(from, to, 400);

        hold.Status.ShouldBe("pending");
        var account = await api.GetAccountAsync(from);
        account.Balance.ShouldBe(1_000);
        account.HeldAmount.ShouldBe(400);
        account.AvailableBalance.ShouldBe(600);
        var overspend = await api.Client.PostAsJsonAsync("/api/v1/transfers", new { fromAccountId = from, toAccountId = to, amount = 601, currency = "EUR" });
        overspend.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
    }

    [Fact]
    public async Task PostingPartially_MovesThatMuch_ReleasesTheRest_AndCannotHappenTwice()
    {
        var (from, to) = await FundedPair(1_000);
        var hold = await CreateHold(from, to, 400);

        var posted = await api.Client.PostAsJsonAsync($"/api/v1/holds/{hold.Id}/post", new { amount = 150 });
        var again = await api.Client.PostAsJsonAsync($"/api/v1/holds/{hold.Id}/post", new { amount = 150 });
        var voidAfterPost = await api.Client.PostAsync($"/api/v1/holds/{hold.Id}/void", null);

        posted.StatusCode.ShouldBe(HttpStatusCode.OK);
        var result = (await posted.Content.ReadFromJsonAsync<HoldResponse>(LedgerApi.Json))!;
        result.Status.ShouldBe("posted");
        result.PostedAmount.ShouldBe(150);
        result.EntryId.ShouldNotBeNull();
        again.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await again.Content.ReadAsStringAsync()).ShouldContain("hold_not_pending");
        voidAfterPost.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        var source = await api.GetAccountAsync(from);
        (source.Balance, source.HeldAmount, source.AvailableBalance).ShouldBe((850L, 0L, 850L));
        (await api.GetAccountAsync(to)).Balance.ShouldBe(150);
    }

    [Fact]
    public async Task AVoidedHold_ReleasesTheFunds_AndCannotBePosted()
    {
        var (from, to) = await FundedPair(1_000);
        var hold = await CreateHold(from, to, 700);

        var voided = await api.Client.PostAsync($"/api/v1/holds/{hold.Id}/void", null);
        var postAfterVoid = await api.Client.PostAsJsonAsync($"/api/v1/holds/{hold.Id}/post", new { });

        voided.StatusCode.ShouldBe(HttpStatusCode.OK);
        postAfterVoid.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        var account = await api.GetAccountAsync(from);
        (account.Balance, account.HeldAmount).ShouldBe((1_000L, 0L));
        (await api.GetAccountAsync(to)).Balance.ShouldBe(0);
    }

    [Fact]
    public async Task ConcurrentPostsOfOneHold_PostItExactlyOnce()
    {
        var (from, to) = await FundedPair(1_000);
        var hold = await CreateHold(from, to, 500);

        var responses = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => api.Client.PostAsJsonAsync($"/api/v1/holds/{hold.Id}/post", new { })));

        responses.Count(r => r.StatusCode == HttpStatusCode.OK).ShouldBe(1);
        responses.Count(r => r.StatusCode == HttpStatusCode.Conflict).ShouldBe(9);
        (await api.GetAccountAsync(to)).Balance.ShouldBe(500);
    }

    [Fact]
    public async Task AnExpiredHold_ReleasesItsFunds_AndCannotBePosted()
    {
        var (from, to) = await FundedPair(1_000);
        var hold = await CreateHold(from, to, 300, expiresInSeconds: 1);

        HoldResponse current;
        var deadline = DateTime.UtcNow.AddSeconds(10);
        do
        {
            await Task.Delay(100);
            current = (await api.Client.GetFromJsonAsync<HoldResponse>($"/api/v1/holds/{hold.Id}", LedgerApi.Json))!;
        }
        while (current.Status == "pending" && DateTime.UtcNow < deadline);

        current.Status.ShouldBe("expired");
        (await api.GetAccountAsync(from)).AvailableBalance.ShouldBe(1_000);
        (await api.Client.PostAsJsonAsync($"/api/v1/holds/{hold.Id}/post", new { })).StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await api.VerifyAsync()).Ok.ShouldBeTrue();
    }

    private async Task<(Guid From, Guid To)> FundedPair(long funds)
    {
        var from = await api.OpenAccountAsync("holder");
        var to = await api.OpenAccountAsync("merchant");
        await api.DepositAsync(from.Id, funds);
        return (from.Id, to.Id);
    }

    private async Task<HoldResponse> CreateHold(Guid from, Guid to, long amount, int? expiresInSeconds = null)
    {
        var response = await api.Client.PostAsJsonAsync("/api/v1/holds", new { accountId = from, toAccountId = to, amount, currency = "EUR", expiresInSeconds });
        await LedgerApi.ExpectAsync(response, HttpStatusCode.Created);
        return (await response.Content.ReadFromJsonAsync<HoldResponse>(LedgerApi.Json))!;
    }
}
