using System.Net;
using System.Net.Http.Json;
using LedgerX.Transactions.IntegrationTests.Infrastructure;

namespace LedgerX.Transactions.IntegrationTests.Ledger;

public sealed class IdempotentRetries(LedgerApi api) : IClassFixture<LedgerApi>
{
    [Fact]
    public async Task TwentyConcurrentRetries_MoveMoneyOnce_AndAllGetTheFirstResponse()
    {
        var from = await api.OpenAccountAsync("payer");
        var to = await api.OpenAccountAsync("payee");
        await api.DepositAsync(from.Id, 10_000);
        var key = Guid.NewGuid().ToString();

        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Send(key, from.Id, to.Id, 2_500)));

        responses.ShouldAllBe(r => r.Status == HttpStatusCode.Created);
        responses.Select(r => r.Body).Distinct().Count().ShouldBe(1);
        responses.Count(r => !r.Replayed).ShouldBe(1);
        (await api.GetAccountAsync(from.Id)).Balance.ShouldBe(7_500);
        (await api.GetAccountAsync(to.Id)).Balance.ShouldBe(2_500);
        (await api.ScalarAsync<long>($"SELECT count(*) FROM postings WHERE account_id = '{to.Id}'")).ShouldBe(1);
    }

    [Fact]
    public async Task ALaterRetry_IsReplayed_AndTheSameKeyWithAnotherBody_IsRefused()
    {
        var from = await api.OpenAccountAsync("payer-2");
        var to = await api.OpenAccountAsync("payee-2");
        await api.DepositAsync(from.Id, 1_000);
        var key = Guid.NewGuid().ToString();

        var first = await Send(key, from.Id, to.Id, 100);
        var retry = await Send(key, from.Id, to.Id, 100);
        var different = await Send(key, from.Id, to.Id, 101);

        first.Status.ShouldBe(HttpStatusCode.Created);
        retry.Status.ShouldBe(HttpStatusCode.Created);
        retry.Replayed.ShouldBeTrue();
        retry.Body.ShouldBe(first.Body);
        different.Status.ShouldBe(HttpStatusCode.UnprocessableEntity);
        different.Body.ShouldContain("idempotency_key_reused");
        (await api.GetAccountAsync(from.Id)).Balance.ShouldBe(900);
    }

    [Fact]
    public async Task ARefusedRequest_IsNotRemembered_SoTheRetryIsDecidedAgain()
    {
        var from = await api.OpenAccountAsync("payer-3");
        var to = await api.OpenAccountAsync("payee-3");
        var key = Guid.NewGuid().ToString();

        var refused = await Send(key, from.Id, to.Id, 300);
        await api.DepositAsync(from.Id, 300);
        var retried = await Send(key, from.Id, to.Id, 300);

        refused.Status.ShouldBe(HttpStatusCode.UnprocessableEntity);
        retried.Status.ShouldBe(HttpStatusCode.Created);
        retried.Replayed.ShouldBeFalse();
        (await api.ScalarAsync<long>($"SELECT count(*) FROM idempotency_keys WHERE key = '{key}'")).ShouldBe(1);
    }

    [Fact]
    public async Task KeysAreKeptForAtLeastOneDay()
    {
        var account = await api.OpenAccountAsync("keeper");
        var key = Guid.NewGuid().ToString();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/deposits") { Content = JsonContent.Create(new { accountId = account.Id, amount = 5, currency = "EUR" }) };
        request.Headers.Add("Idempotency-Key", key);
        (await api.Client.SendAsync(request)).StatusCode.ShouldBe(HttpStatusCode.Created);

        var retention = await api.ScalarAsync<TimeSpan>($"SELECT expires_at - created_at FROM idempotency_keys WHERE key = '{key}'");

        retention.ShouldBeGreaterThanOrEqualTo(TimeSpan.FromHours(24));
    }

    [Fact]
    public async Task ACreatedEntry_HasALocation_ThatTheReplayRepeats()
    {
        var account = await api.OpenAccountAsync("located");
        var key = Guid.NewGuid().ToString();

        var first = await DepositWithKey(account.Id, key);
        var replay = await DepositWithKey(account.Id, key);

        first.ShouldNotBeNull();
        first.ToString().ShouldStartWith("/api/v1/entries/");
        replay.ShouldBe(first);
        (await api.Client.GetAsync(first)).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    private async Task<Uri?> DepositWithKey(Guid accountId, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/deposits") { Content = JsonContent.Create(new { accountId, amount = 7, currency = "EUR" }) };
        request.Headers.Add("Idempotency-Key", key);
        using var response = await api.Client.SendAsync(request);
        response.StatusCode.ShouldBe(HttpStatusCode.Created);
        return response.Headers.Location;
    }

    private async Task<(HttpStatusCode Status, string Body, bool Replayed)> Send(string key, Guid from, Guid to, long amount)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/transfers")
        {
            Content = JsonContent.Create(new { fromAccountId = from, toAccountId = to, amount, currency = "EUR" }),
        };
        request.Headers.Add("Idempotency-Key", key);
        using var response = await api.Client.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), response.Headers.Contains("Idempotent-Replayed"));
    }
}
