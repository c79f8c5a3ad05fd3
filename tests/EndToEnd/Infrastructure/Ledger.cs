using System.Text.Json;

namespace LedgerX.EndToEnd.Tests.Infrastructure;

/// <summary>The ledger as a client uses it through the gateway (API v1), for setting up what a test then attacks.</summary>
public sealed class Ledger(LedgerXSystem system)
{
    public const string Currency = "EUR";

    /// <summary>An account opened by <paramref name="owner"/>; its id.</summary>
    public async Task<string> OpenAccountAsync(Caller owner)
    {
        using var http = system.PatientClient();
        using var request = owner.Request(HttpMethod.Post, "/api/v1/accounts", new { currency = Currency });
        using var response = await http.SendAsync(request);
        await Identities.Expect(response, HttpStatusCode.Created);
        var account = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        return account["id"]!.GetValue<string>();
    }

    /// <summary>The run's customer called <paramref name="name"/> with a new account holding <paramref name="funds"/>,
    /// deposited by a teller. Accounts are per test; customers are shared (signing in is what costs time).</summary>
    public async Task<(Caller Customer, string AccountId)> FundedCustomerAsync(long funds = 100_00, string name = "alice")
    {
        var customer = await system.Identities.CustomerAsync(name);
        return (customer, await FundedAccountAsync(customer, funds));
    }

    /// <summary>A new account of <paramref name="owner"/> holding <paramref name="funds"/>; its id.</summary>
    public async Task<string> FundedAccountAsync(Caller owner, long funds = 100_00)
    {
        string account = await OpenAccountAsync(owner);
        await DepositAsync(account, funds);
        return account;
    }

    public async Task<JsonObject> DepositAsync(string accountId, long amount) =>
        await SendOkAsync(await system.Identities.TellerAsync(), HttpMethod.Post, "/api/v1/deposits",
            new { accountId, amount, currency = Currency }, HttpStatusCode.Created);

    public async Task<JsonObject> TransferAsync(Caller caller, string from, string to, long amount) =>
        await SendOkAsync(caller, HttpMethod.Post, "/api/v1/transfers",
            new { fromAccountId = from, toAccountId = to, amount, currency = Currency }, HttpStatusCode.Created);

    /// <summary>The account's ledger balance as the teller sees it (staff see every account).</summary>
    public async Task<long> BalanceAsync(string accountId)
    {
        var account = await SendOkAsync(await system.Identities.TellerAsync(), HttpMethod.Get, $"/api/v1/accounts/{accountId}", null, HttpStatusCode.OK);
        return account["balance"]!.GetValue<long>();
    }

    public async Task<HttpResponseMessage> SendAsync(Caller caller, HttpMethod method, string url, object? body = null)
    {
        using var http = system.Client();
        using var request = caller.Request(method, url, body);
        return await http.SendAsync(request);
    }

    /// <summary>A set-up or read step that must succeed with <paramref name="expected"/> (rate limits waited out).</summary>
    public async Task<JsonObject> SendOkAsync(Caller caller, HttpMethod method, string url, object? body, HttpStatusCode expected)
    {
        using var http = system.PatientClient();
        using var request = caller.Request(method, url, body);
        using var response = await http.SendAsync(request);
        await Identities.Expect(response, expected);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
    }

    /// <summary>A problem+json answer's status and stable parts (what a client may branch on): status, code, title, type.</summary>
    public static async Task<string> ProblemShapeAsync(HttpResponseMessage response)
    {
        string body = await response.Content.ReadAsStringAsync();
        response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json", body);
        using var json = JsonDocument.Parse(body);
        string Text(string name) => json.RootElement.TryGetProperty(name, out var value) ? value.ToString() : "";
        return $"{(int)response.StatusCode} {Text("code")} {Text("title")} {Text("type")}";
    }
}
