using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LedgerX.Transactions.IntegrationTests.Infrastructure;

namespace LedgerX.Transactions.IntegrationTests.Access;

/// <summary>
/// API v2 next to v1 (issue 15): the same ledger and rules, money as one <c>{ "amount", "currency" }</c> object in
/// requests and responses; each version has its own OpenAPI document. An Idempotency-Key is the caller's across versions,
/// and a request on the other version is a different request (422), never a replay in the wrong shape.
/// </summary>
public sealed class ApiVersions(LedgerApi api) : IClassFixture<LedgerApi>
{
    [Fact]
    public async Task V2_WritesAndReadsMoneyAsObjects_OnTheSameLedgerAsV1()
    {
        var owner = $"v2-{Guid.NewGuid():N}";
        var opened = await api.Client.SendAsync(Callers.Request(HttpMethod.Post, "/api/v2/accounts", Callers.Customer(owner), new { currency = "EUR" }));
        await LedgerApi.ExpectAsync(opened, HttpStatusCode.Created);
        var account = (await opened.Content.ReadFromJsonAsync<JsonObject>())!;
        var id = account["id"]!.GetValue<Guid>();
        var other = (await api.OpenAccountAsync($"v2-other-{Guid.NewGuid():N}")).Id;
        var deposit = await api.Client.PostAsJsonAsync("/api/v2/deposits", new { accountId = id, amount = new { amount = 1_234, currency = "EUR" } });
        await LedgerApi.ExpectAsync(deposit, HttpStatusCode.Created);
        var transfer = await api.Client.SendAsync(Callers.Request(HttpMethod.Post, "/api/v2/transfers", Callers.Customer(owner),
            new { fromAccountId = id, toAccountId = other, amount = new { amount = 234, currency = "EUR" } }));
        await LedgerApi.ExpectAsync(transfer, HttpStatusCode.Created);
        var entryId = (await transfer.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<Guid>();

        opened.Headers.Location!.ToString().ShouldBe($"/api/v2/accounts/{id}");
        account["balance"]!.ToJsonString().ShouldBe("""{"amount":0,"currency":"EUR"}""");
        transfer.Headers.Location!.ToString().ShouldBe($"/api/v2/entries/{entryId}");
        var v2 = (await api.Client.GetFromJsonAsync<JsonObject>($"/api/v2/accounts/{id}"))!;
        var v1 = (await api.Client.GetFromJsonAsync<JsonObject>($"/api/v1/accounts/{id}"))!;
        v2["balance"]!.ToJsonString().ShouldBe("""{"amount":1000,"currency":"EUR"}""");
        v2["availableBalance"]!["amount"]!.GetValue<long>().ShouldBe(1_000);
        (v1["balance"]!.GetValue<long>(), v1["currency"]!.GetValue<string>()).ShouldBe((1_000, "EUR"));
        var entry = (await api.Client.GetFromJsonAsync<JsonObject>($"/api/v2/entries/{entryId}"))!;
        entry["postings"]![0]!["amount"]!.ToJsonString().ShouldBe("""{"amount":234,"currency":"EUR"}""");
        var history = (await api.Client.GetFromJsonAsync<JsonObject>($"/api/v2/accounts/{id}/history"))!;
        history["items"]![0]!["amount"]!.ToJsonString().ShouldBe("""{"amount":-234,"currency":"EUR"}""");
    }

    [Fact]
    public async Task TheSameKeyOnTheOtherVersion_IsADifferentRequest_NotAReplay()
    {
        var from = (await api.OpenAccountAsync()).Id;
        var to = (await api.OpenAccountAsync()).Id;
        await api.DepositAsync(from, 1_000);
        var key = $"both-{Guid.NewGuid()}";

        using var v1 = new HttpRequestMessage(HttpMethod.Post, "/api/v1/transfers")
        {
            Content = JsonContent.Create(new { fromAccountId = from, toAccountId = to, amount = 10, currency = "EUR" }),
        };
        v1.Headers.Add("Idempotency-Key", key);
        using var v2 = new HttpRequestMessage(HttpMethod.Post, "/api/v2/transfers")
        {
            Content = JsonContent.Create(new { fromAccountId = from, toAccountId = to, amount = new { amount = 10, currency = "EUR" } }),
        };
        v2.Headers.Add("Idempotency-Key", key);

        await LedgerApi.ExpectAsync(await api.Client.SendAsync(v1), HttpStatusCode.Created);
        var second = await api.Client.SendAsync(v2);

        second.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        (await second.Content.ReadFromJsonAsync<JsonObject>())!["code"]!.GetValue<string>().ShouldBe("idempotency_key_reused");
        (await api.GetAccountAsync(to)).Balance.ShouldBe(10);
    }

    [Fact]
    public async Task EachVersion_HasItsOwnOpenApiDocument()
    {
        var v1 = (await api.Client.GetFromJsonAsync<JsonObject>("/openapi/v1.json"))!;
        var v2 = (await api.Client.GetFromJsonAsync<JsonObject>("/openapi/v2.json"))!;

        var v1Paths = v1["paths"]!.AsObject().Select(p => p.Key).ToList();
        var v2Paths = v2["paths"]!.AsObject().Select(p => p.Key).ToList();
        v1Paths.ShouldAllBe(p => p.StartsWith("/api/v1/"));
        v2Paths.ShouldAllBe(p => p.StartsWith("/api/v2/"));
        v2Paths.Select(p => p["/api/v2".Length..]).Order().ShouldBe(v1Paths.Select(p => p["/api/v1".Length..]).Order());
        var transfer = v2["components"]!["schemas"]!["TransferRequest"]!["properties"]!["amount"]!.ToJsonString();
        transfer.ShouldContain("MoneyInput");
        v2["components"]!["schemas"]!["AccountResponse"]!["properties"]!["balance"]!.ToJsonString().ShouldContain("Money");
    }
}
