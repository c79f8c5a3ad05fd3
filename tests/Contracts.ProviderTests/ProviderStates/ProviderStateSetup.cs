using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LedgerX.Contracts.ProviderTests.Infrastructure;

namespace LedgerX.Contracts.ProviderTests.ProviderStates;

/// <summary>
/// The provider-state endpoint on its own, posted to as the pact verifier posts: each state leaves what its name
/// promises in the real ledger and answers the values the consumers' <c>FromProviderState</c> expressions read.
/// </summary>
public sealed class ProviderStateSetup(TransactionServiceHost service) : IClassFixture<TransactionServiceHost>
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private HttpClient Api => service.Client;

    private async Task<HttpResponseMessage> PostAsync(object change) => await Api.PostAsJsonAsync(ProviderStateEndpoint.Path, change);

    private async Task<JsonElement> SetUpAsync(string state)
    {
        var response = await PostAsync(new { state, @params = new { }, action = "setup" });
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.OK, body);
        return JsonSerializer.Deserialize<JsonElement>(body);
    }

    private async Task<JsonElement> GetAsync(string path) => await Api.GetFromJsonAsync<JsonElement>(path, Json);

    private async Task<long> LogLengthAsync() =>
        (await GetAsync("/api/v1/ledger/events?after=0&limit=1000")).GetProperty("items").GetArrayLength();

    [Fact]
    public async Task AnOpenAccount_AnswersTheIdOfAnActiveEurCustomerAccount()
    {
        var values = await SetUpAsync("an open account");

        var account = await GetAsync($"/api/v1/accounts/{values.GetProperty("accountId").GetGuid()}");
        account.GetProperty("status").GetString().ShouldBe("active");
        account.GetProperty("currency").GetString().ShouldBe("EUR");
        account.GetProperty("kind").GetString().ShouldBe("customer");
    }

    [Fact]
    public async Task APostedDeposit_AnswersTheDepositAndTheAccountItCredited()
    {
        var values = await SetUpAsync("a posted deposit");

        var entryId = values.GetProperty("entryId").GetGuid();
        var accountId = values.GetProperty("accountId").GetGuid();
        var entry = await GetAsync($"/api/v1/entries/{entryId}");
        entry.GetProperty("kind").GetString().ShouldBe("deposit");
        entry.GetProperty("postings").EnumerateArray().Select(p => p.GetProperty("accountId").GetGuid()).ShouldContain(accountId);
        (await GetAsync($"/api/v1/accounts/{accountId}")).GetProperty("balance").GetInt64().ShouldBePositive();
    }

    [Fact]
    public async Task TheLedgerHasPostedADeposit_LeavesAtLeastThreeEventsInTheLog()
    {
        await SetUpAsync("the ledger has posted a deposit");

        (await LogLengthAsync()).ShouldBeGreaterThanOrEqualTo(3);
        (await GetAsync("/api/v1/ledger/events?after=0&limit=1000")).GetProperty("items").EnumerateArray()
            .Select(e => e.GetProperty("type").GetString()).ShouldContain(t => t!.StartsWith("transaction.", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("no account exists with the requested id")]
    [InlineData("no entry exists with the requested id")]
    public async Task AStateOfAbsence_AnswersNoValuesAndWritesNothing(string state)
    {
        var before = await LogLengthAsync();

        var values = await SetUpAsync(state);

        values.ValueKind.ShouldBe(JsonValueKind.Object);
        values.EnumerateObject().ShouldBeEmpty();
        (await LogLengthAsync()).ShouldBe(before);
    }

    [Fact]
    public async Task Teardown_AnswersAnEmptyObject()
    {
        var response = await PostAsync(new { state = "an open account", action = "teardown" });

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await response.Content.ReadFromJsonAsync<JsonElement>(Json)).EnumerateObject().ShouldBeEmpty();
    }

    [Fact]
    public async Task AnUnknownState_IsRefusedWith400NamingTheKnownStates()
    {
        var response = await PostAsync(new { state = "an account with a pending hold", action = "setup" });

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var detail = (await response.Content.ReadFromJsonAsync<JsonElement>(Json)).GetProperty("detail").GetString()!;
        detail.ShouldContain("'an account with a pending hold'");
        detail.ShouldContain("'a posted deposit'");
        detail.ShouldContain("ProviderStates.cs");
    }

    [Theory]
    [InlineData("""{"action":"setup"}""")]
    [InlineData("""{"state":"an open account","action":"refresh"}""")]
    [InlineData("""not json""")]
    public async Task AMalformedChange_IsRefusedWith400(string body)
    {
        var response = await Api.PostAsync(ProviderStateEndpoint.Path, new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest, await response.Content.ReadAsStringAsync());
    }
}
