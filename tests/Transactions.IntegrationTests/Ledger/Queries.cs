using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using LedgerX.Transactions.Api.Apis;
using LedgerX.Transactions.IntegrationTests.Infrastructure;

namespace LedgerX.Transactions.IntegrationTests.Ledger;

public sealed class Queries(LedgerApi api) : IClassFixture<LedgerApi>
{
    [Fact]
    public async Task History_PagesNewestFirst_WithoutGapsOrRepeats_EvenWhileNewEntriesArrive()
    {
        var account = await api.OpenAccountAsync("historian");
        for (var i = 1; i <= 7; i++)
        {
            await api.DepositAsync(account.Id, i);
        }

        var seen = new List<HistoryItem>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = (await api.Client.GetFromJsonAsync<Page<HistoryItem>>(
                $"/api/v1/accounts/{account.Id}/history?limit=3{(cursor is null ? "" : $"&after={cursor}")}", LedgerApi.Json))!;
            seen.AddRange(page.Items);
            cursor = page.NextCursor;
            pages++;
            if (pages == 1)
            {
                await api.DepositAsync(account.Id, 100); // newer than the cursor: must not show up on later pages
            }
        }
        while (cursor is not null && pages < 10);

        pages.ShouldBe(3);
        seen.Select(h => h.Amount).ShouldBe([7L, 6, 5, 4, 3, 2, 1]);
        seen.Select(h => h.BalanceAfter).ShouldBe([28L, 21, 15, 10, 6, 3, 1]);
        seen.ShouldAllBe(h => h.Kind == "deposit" && h.Direction == "credit");
    }

    [Fact]
    public async Task History_CarriesEachEntrysMetadata_InBothVersions()
    {
        var payer = await api.OpenAccountAsync("metadata-reader");
        var payee = await api.OpenAccountAsync("metadata-payee");
        await api.DepositAsync(payer.Id, 1_000);
        var transfer = await api.Client.PostAsJsonAsync("/api/v1/transfers", new
        {
            fromAccountId = payer.Id, toAccountId = payee.Id, amount = 250, currency = "EUR", description = "CARD REWE 1234",
            category = "groceries", metadata = new Dictionary<string, string> { ["counterparty"] = "REWE", ["channel"] = "card" },
        });
        await LedgerApi.ExpectAsync(transfer, HttpStatusCode.Created);

        var v1 = (await api.Client.GetFromJsonAsync<Page<HistoryItem>>($"/api/v1/accounts/{payer.Id}/history", LedgerApi.Json))!;
        var v2 = (await api.Client.GetFromJsonAsync<JsonObject>($"/api/v2/accounts/{payer.Id}/history"))!;

        v1.Items[0].Metadata.ShouldBe(new Dictionary<string, string> { ["channel"] = "card", ["counterparty"] = "REWE" });
        v1.Items[1].Metadata.ShouldBeEmpty(); // the deposit had none: an empty object, never null
        v2["items"]![0]!["metadata"]!.ToJsonString().ShouldBe("""{"channel":"card","counterparty":"REWE"}""");
        v2["items"]![1]!["metadata"]!.ToJsonString().ShouldBe("{}");
    }

    [Theory]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=201", "limit")]
    [InlineData("after=not-a-cursor", "after")]
    public async Task History_RefusesABadPageRequestByName(string query, string field)
    {
        var account = await api.OpenAccountAsync("pager");

        var response = await api.Client.GetAsync($"/api/v1/accounts/{account.Id}/history?{query}");

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.Content.ReadFromJsonAsync<JsonObject>())!["errors"]![field].ShouldNotBeNull();
    }

    [Fact]
    public async Task UnknownResources_Are404Problems()
    {
        foreach (var path in new[] { $"/api/v1/accounts/{Guid.NewGuid()}", $"/api/v1/accounts/{Guid.NewGuid()}/history",
                     $"/api/v1/entries/{Guid.NewGuid()}", $"/api/v1/holds/{Guid.NewGuid()}" })
        {
            var response = await api.Client.GetAsync(path);
            response.StatusCode.ShouldBe(HttpStatusCode.NotFound, path);
            response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        }
    }

    [Fact]
    public async Task AnEntry_IsReadBackWithItsPostingsDetailsAndMetadata()
    {
        var from = await api.OpenAccountAsync("reader-a");
        var to = await api.OpenAccountAsync("reader-b");
        await api.DepositAsync(from.Id, 1_000);
        var created = await api.Client.PostAsJsonAsync("/api/v1/entries", new
        {
            postings = new object[]
            {
                new { accountId = from.Id, direction = "debit", amount = 300, currency = "EUR" },
                new { accountId = to.Id, direction = "credit", amount = 200, currency = "EUR" },
                new { accountId = to.Id, direction = "credit", amount = 100, currency = "EUR" },
            },
            description = "split rent",
            category = "housing",
            metadata = new Dictionary<string, string> { ["invoice"] = "INV-7" },
        });
        var posted = (await created.Content.ReadFromJsonAsync<EntryResponse>(LedgerApi.Json))!;

        var read = (await api.Client.GetFromJsonAsync<EntryResponse>($"/api/v1/entries/{posted.Id}", LedgerApi.Json))!;

        read.Kind.ShouldBe("journal");
        (read.Description, read.Category, read.Metadata["invoice"]).ShouldBe(("split rent", "housing", "INV-7"));
        read.Postings.Select(p => (p.Direction, p.Amount, p.BalanceAfter)).ShouldBe([("debit", 300L, 700L), ("credit", 200L, 200L), ("credit", 100L, 300L)]);
        read.Sequence.ShouldBe(posted.Sequence);
        read.PostedAt.ShouldBe(posted.PostedAt);
    }

    [Fact]
    public async Task AnOwnersAccounts_AreListedInPages()
    {
        var owner = $"owner-{Guid.NewGuid():N}";
        var opened = new List<Guid>();
        for (var i = 0; i < 5; i++)
        {
            opened.Add((await api.OpenAccountAsync(owner, i % 2 == 0 ? "EUR" : "USD")).Id);
        }

        var first = (await api.Client.GetFromJsonAsync<Page<AccountResponse>>($"/api/v1/accounts?ownerId={owner}&limit=3", LedgerApi.Json))!;
        var second = (await api.Client.GetFromJsonAsync<Page<AccountResponse>>($"/api/v1/accounts?ownerId={owner}&limit=3&after={first.NextCursor}", LedgerApi.Json))!;

        first.Items.Concat(second.Items).Select(a => a.Id).ShouldBe(opened);
        second.NextCursor.ShouldBeNull();
        // The owner themselves lists the same accounts without naming anyone: the token says whose they are.
        using var own = await api.Client.SendAsync(Callers.Request(HttpMethod.Get, "/api/v1/accounts?limit=10", Callers.Customer(owner)));
        (await own.Content.ReadFromJsonAsync<Page<AccountResponse>>(LedgerApi.Json))!.Items.Select(a => a.Id).ShouldBe(opened);
    }

    [Fact]
    public async Task TheEventLog_PagesBySequence_WithEachEventsHash()
    {
        for (var i = 0; i < 3; i++)
        {
            await api.OpenAccountAsync("logged");
        }

        var page = (await api.Client.GetFromJsonAsync<JsonObject>("/api/v1/ledger/events?limit=2", LedgerApi.Json))!;
        var items = page["items"]!.AsArray();
        var next = (await api.Client.GetFromJsonAsync<JsonObject>($"/api/v1/ledger/events?limit=2&after={page["nextCursor"]}", LedgerApi.Json))!;

        items.Count.ShouldBe(2);
        items.Select(i => i!["sequence"]!.GetValue<long>()).ShouldBe([1L, 2L]);
        items.ShouldAllBe(i => i!["hash"]!.GetValue<string>().Length == 64 && i["payload"]!["eventId"] != null);
        next["items"]!.AsArray()[0]!["sequence"]!.GetValue<long>().ShouldBe(3);
    }
}
