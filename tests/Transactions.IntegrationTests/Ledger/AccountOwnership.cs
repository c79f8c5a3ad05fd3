using System.Net;
using System.Net.Http.Json;
using LedgerX.ServiceDefaults.Auth;
using LedgerX.Transactions.Api.Apis;
using LedgerX.Transactions.IntegrationTests.Infrastructure;

namespace LedgerX.Transactions.IntegrationTests.Ledger;

/// <summary>Customers own accounts: the ledger learns the owner from the caller's token, never from the request.</summary>
public sealed class AccountOwnership(LedgerApi api) : IClassFixture<LedgerApi>
{
    [Fact]
    public async Task AnOpenedAccount_BelongsToTheTokensSubject()
    {
        using var response = await OpenAsync("carol", key: null);

        await LedgerApi.ExpectAsync(response, HttpStatusCode.Created);
        var account = (await response.Content.ReadFromJsonAsync<AccountResponse>(LedgerApi.Json))!;
        account.OwnerId.ShouldBe("carol");
        (await api.GetAccountAsync(account.Id)).OwnerId.ShouldBe("carol");
    }

    [Fact]
    public async Task TwoCallersWithTheSameKeyAndBody_EachOpenTheirOwnAccount()
    {
        // The owner is not in the body, so the body alone cannot tell the two requests apart: the caller's key scope must.
        var key = $"open-{Guid.NewGuid()}";

        using var dave = await OpenAsync("dave", key);
        using var erin = await OpenAsync("erin", key);
        using var daveAgain = await OpenAsync("dave", key);

        await LedgerApi.ExpectAsync(dave, HttpStatusCode.Created);
        await LedgerApi.ExpectAsync(erin, HttpStatusCode.Created);
        erin.Headers.Contains(LedgerSubmission.ReplayedHeader).ShouldBeFalse("erin's request is not dave's");
        var daves = (await dave.Content.ReadFromJsonAsync<AccountResponse>(LedgerApi.Json))!;
        var erins = (await erin.Content.ReadFromJsonAsync<AccountResponse>(LedgerApi.Json))!;
        erins.Id.ShouldNotBe(daves.Id);
        erins.OwnerId.ShouldBe("erin");
        daveAgain.Headers.GetValues(LedgerSubmission.ReplayedHeader).ShouldBe(["true"]);
        (await daveAgain.Content.ReadFromJsonAsync<AccountResponse>(LedgerApi.Json))!.Id.ShouldBe(daves.Id);
    }

    private async Task<HttpResponseMessage> OpenAsync(string owner, string? key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/accounts") { Content = JsonContent.Create(new { currency = "EUR" }) };
        request.Headers.Authorization = api.Tokens.Bearer(owner, Permissions.LedgerWrite);
        if (key is not null)
        {
            request.Headers.Add(LedgerSubmission.IdempotencyHeader, key);
        }
        return await api.Client.SendAsync(request);
    }
}
