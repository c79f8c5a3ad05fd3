using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using LedgerX.ServiceDefaults.Auth;
using LedgerX.Transactions.IntegrationTests.Infrastructure;

namespace LedgerX.Transactions.IntegrationTests.Ledger;

/// <summary>Every kind of bad input gets a problem-details answer naming the field at fault, and writes nothing.</summary>
public sealed class BadInput(BadInput.ApiWithAccountsInEveryState api) : IClassFixture<BadInput.ApiWithAccountsInEveryState>
{
    public sealed class ApiWithAccountsInEveryState : LedgerApi
    {
        public Guid Funded { get; private set; }
        public Guid Other { get; private set; }
        public Guid Dollars { get; private set; }
        public Guid Frozen { get; private set; }
        public Guid Closed { get; private set; }

        public override async ValueTask InitializeAsync()
        {
            await base.InitializeAsync();
            Funded = (await OpenAccountAsync("funded")).Id;
            Other = (await OpenAccountAsync("other")).Id;
            Dollars = (await OpenAccountAsync("dollars", "USD")).Id;
            Frozen = (await OpenAccountAsync("frozen")).Id;
            Closed = (await OpenAccountAsync("closed")).Id;
            await DepositAsync(Funded, 1_000);
            await DepositAsync(Frozen, 1_000);
            (await Client.PostAsJsonAsync($"/api/v1/accounts/{Frozen}/freeze", new { reason = "suspected fraud" })).EnsureSuccessStatusCode();
            (await Client.PostAsync($"/api/v1/accounts/{Closed}/close", null)).EnsureSuccessStatusCode();
        }
    }

    public static TheoryData<string> Cases => new(CaseTable.Keys);

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task IsRefusedByName_AndChangesNothing(string name)
    {
        var (method, path, body, status, field) = CaseTable[name](api);
        var before = await Fingerprint();

        using var request = new HttpRequestMessage(method, path)
        {
            Content = new StringContent(body, Encoding.UTF8, name == "body that is not JSON" ? "text/plain" : "application/json"),
        };
        if (name == "idempotency key too long")
        {
            request.Headers.Add("Idempotency-Key", new string('k', 300));
        }
        request.Headers.Authorization = name switch
        {
            "opening an account without a token" => null,
            "opening an account without ledger:write" => api.Tokens.Bearer("bad-input", Permissions.LedgerRead),
            _ => api.Tokens.Bearer("bad-input"),
        };
        // The fixture's client sends an administrator's token by default; a request without one needs a client without it.
        using var anonymous = new HttpClient { BaseAddress = api.Client.BaseAddress };
        using var response = await (request.Headers.Authorization is null ? anonymous : api.Client).SendAsync(request);

        var text = await response.Content.ReadAsStringAsync();
        ((int)response.StatusCode).ShouldBe(status, text);
        response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json");
        // One shape for every refusal, whoever produced it: a stable code, a title per status, no .NET internals.
        using var problem = JsonDocument.Parse(text);
        problem.RootElement.GetProperty("code").GetString().ShouldNotBeNullOrEmpty(text);
        problem.RootElement.GetProperty("type").GetString().ShouldStartWith("https://ledgerx.dev/problems/", customMessage: text);
        problem.RootElement.GetProperty("title").GetString().ShouldBe(Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status), text);
        problem.RootElement.GetProperty("detail").GetString().ShouldNotBeNullOrEmpty(text);
        text.ShouldNotContain("Nullable");
        text.ShouldNotContain("System.");
        if (field is not null)
        {
            problem.RootElement.GetProperty("errors").TryGetProperty(field, out _).ShouldBeTrue($"'{field}' not named in {text}");
        }
        if (status == 413)
        {
            problem.RootElement.GetProperty("detail").GetString()!.ShouldContain("65536");
        }
        (await Fingerprint()).ShouldBe(before);
    }

    private delegate (HttpMethod Method, string Path, string Body, int Status, string? Field) Case(ApiWithAccountsInEveryState api);

    private static string Json(object value) => JsonSerializer.Serialize(value, LedgerApi.Json);

    private static (HttpMethod, string, string, int, string?) Transfer(object body, int status, string? field) =>
        (HttpMethod.Post, "/api/v1/transfers", Json(body), status, field);

    private static readonly Dictionary<string, Case> CaseTable = new()
    {
        ["unknown destination account"] = a => Transfer(new { fromAccountId = a.Funded, toAccountId = Guid.NewGuid(), amount = 10, currency = "EUR" }, 422, "toAccountId"),
        ["unknown deposit account"] = a => (HttpMethod.Post, "/api/v1/deposits", Json(new { accountId = Guid.NewGuid(), amount = 10, currency = "EUR" }), 422, "accountId"),
        ["currency mismatch"] = a => Transfer(new { fromAccountId = a.Dollars, toAccountId = a.Other, amount = 10, currency = "EUR" }, 422, "fromAccountId"),
        ["zero amount"] = a => Transfer(new { fromAccountId = a.Funded, toAccountId = a.Other, amount = 0, currency = "EUR" }, 400, "amount"),
        ["negative amount"] = a => Transfer(new { fromAccountId = a.Funded, toAccountId = a.Other, amount = -5, currency = "EUR" }, 400, "amount"),
        ["amount beyond the limit"] = a => Transfer(new { fromAccountId = a.Funded, toAccountId = a.Other, amount = 1_000_000_000_000_001, currency = "EUR" }, 400, "amount"),
        ["amount beyond long"] = a => (HttpMethod.Post, "/api/v1/transfers",
            $"{{\"fromAccountId\":\"{a.Funded}\",\"toAccountId\":\"{a.Other}\",\"amount\":99999999999999999999,\"currency\":\"EUR\"}}", 400, "amount"),
        ["insufficient funds"] = a => Transfer(new { fromAccountId = a.Funded, toAccountId = a.Other, amount = 1_001, currency = "EUR" }, 422, "fromAccountId"),
        ["frozen source"] = a => Transfer(new { fromAccountId = a.Frozen, toAccountId = a.Other, amount = 10, currency = "EUR" }, 422, "fromAccountId"),
        ["frozen destination"] = a => Transfer(new { fromAccountId = a.Funded, toAccountId = a.Frozen, amount = 10, currency = "EUR" }, 422, "toAccountId"),
        ["closed account"] = a => (HttpMethod.Post, "/api/v1/deposits", Json(new { accountId = a.Closed, amount = 10, currency = "EUR" }), 422, "accountId"),
        ["same account twice"] = a => Transfer(new { fromAccountId = a.Funded, toAccountId = a.Funded, amount = 10, currency = "EUR" }, 400, "toAccountId"),
        ["unknown currency"] = a => Transfer(new { fromAccountId = a.Funded, toAccountId = a.Other, amount = 10, currency = "EUX" }, 400, "currency"),
        ["missing field"] = a => Transfer(new { toAccountId = a.Other, amount = 10, currency = "EUR" }, 400, "fromAccountId"),
        ["misspelt field"] = a => (HttpMethod.Post, "/api/v1/transfers",
            $"{{\"fromAccountId\":\"{a.Funded}\",\"toAccountId\":\"{a.Other}\",\"ammount\":10,\"currency\":\"EUR\"}}", 400, "ammount"),
        ["wrong type"] = a => (HttpMethod.Post, "/api/v1/transfers", $"{{\"fromAccountId\":\"{a.Funded}\",\"toAccountId\":\"{a.Other}\",\"amount\":\"ten\",\"currency\":\"EUR\"}}", 400, "amount"),
        ["malformed id"] = a => (HttpMethod.Post, "/api/v1/transfers", $"{{\"fromAccountId\":\"not-a-uuid\",\"toAccountId\":\"{a.Other}\",\"amount\":1,\"currency\":\"EUR\"}}", 400, "fromAccountId"),
        ["malformed JSON"] = a => (HttpMethod.Post, "/api/v1/transfers", $"{{\"fromAccountId\":\"{a.Funded}\",\"amount\":", 400, null),
        ["oversized body"] = a => (HttpMethod.Post, "/api/v1/transfers",
            Json(new { fromAccountId = a.Funded, toAccountId = a.Other, amount = 1, currency = "EUR", description = new string('x', 100_000) }), 413, null),
        ["description too long"] = a => Transfer(new { fromAccountId = a.Funded, toAccountId = a.Other, amount = 1, currency = "EUR", description = new string('x', 501) }, 400, "description"),
        ["idempotency key too long"] = a => Transfer(new { fromAccountId = a.Funded, toAccountId = a.Other, amount = 1, currency = "EUR" }, 400, "Idempotency-Key"),
        ["unbalanced entry"] = a => (HttpMethod.Post, "/api/v1/entries", Json(new
        {
            postings = new[]
            {
                new { accountId = a.Funded, direction = "debit", amount = 100, currency = "EUR" },
                new { accountId = a.Other, direction = "credit", amount = 90, currency = "EUR" },
            },
        }), 400, "postings"),
        ["entry with one posting"] = a => (HttpMethod.Post, "/api/v1/entries", Json(new
        {
            postings = new[] { new { accountId = a.Funded, direction = "debit", amount = 100, currency = "EUR" } },
        }), 400, "postings"),
        ["entry with a bad direction"] = a => (HttpMethod.Post, "/api/v1/entries", Json(new
        {
            postings = new[]
            {
                new { accountId = a.Funded, direction = "sideways", amount = 100, currency = "EUR" },
                new { accountId = a.Other, direction = "credit", amount = 100, currency = "EUR" },
            },
        }), 400, "postings[0].direction"),
        ["entry with an unknown account"] = a => (HttpMethod.Post, "/api/v1/entries", Json(new
        {
            postings = new[]
            {
                new { accountId = a.Funded, direction = "debit", amount = 100, currency = "EUR" },
                new { accountId = Guid.NewGuid(), direction = "credit", amount = 100, currency = "EUR" },
            },
        }), 422, "postings[1].accountId"),
        ["account with an unknown currency"] = _ => (HttpMethod.Post, "/api/v1/accounts", Json(new { currency = "eur" }), 400, "currency"),
        ["account with a negative overdraft"] = _ => (HttpMethod.Post, "/api/v1/accounts", Json(new { currency = "EUR", overdraftLimit = -1 }), 400, "overdraftLimit"),
        // The owner is the caller (the token's sub); a body naming one is refused, not quietly ignored.
        ["account with an owner in the body"] = _ => (HttpMethod.Post, "/api/v1/accounts", Json(new { ownerId = "mallory", currency = "EUR" }), 400, "ownerId"),
        ["opening an account without a token"] = _ => (HttpMethod.Post, "/api/v1/accounts", Json(new { currency = "EUR" }), 401, null),
        ["opening an account without ledger:write"] = _ => (HttpMethod.Post, "/api/v1/accounts", Json(new { currency = "EUR" }), 403, null),
        ["hold beyond the available balance"] = a => (HttpMethod.Post, "/api/v1/holds",
            Json(new { accountId = a.Funded, toAccountId = a.Other, amount = 5_000, currency = "EUR" }), 422, "amount"),
        ["hold that expires in the past"] = a => (HttpMethod.Post, "/api/v1/holds",
            Json(new { accountId = a.Funded, toAccountId = a.Other, amount = 5, currency = "EUR", expiresInSeconds = 0 }), 400, "expiresInSeconds"),
        ["posting an unknown hold"] = _ => (HttpMethod.Post, $"/api/v1/holds/{Guid.NewGuid()}/post", "{}", 404, null),
        ["closing a funded account"] = a => (HttpMethod.Post, $"/api/v1/accounts/{a.Funded}/close", "", 409, null),
        ["freezing without a reason"] = a => (HttpMethod.Post, $"/api/v1/accounts/{a.Other}/freeze", "{}", 400, "reason"),
        // Strict JSON (issue 11 item 8): a number as a string, and a field sent twice (the last one used to win).
        ["amount as a string"] = a => (HttpMethod.Post, "/api/v1/transfers",
            $"{{\"fromAccountId\":\"{a.Funded}\",\"toAccountId\":\"{a.Other}\",\"amount\":\"12\",\"currency\":\"EUR\"}}", 400, "amount"),
        ["amount sent twice"] = a => (HttpMethod.Post, "/api/v1/transfers",
            $"{{\"fromAccountId\":\"{a.Funded}\",\"toAccountId\":\"{a.Other}\",\"amount\":1,\"currency\":\"EUR\",\"amount\":999}}", 400, "amount"),
        // NUL characters (issue 11 item 7): PostgreSQL cannot store them; these used to answer 503 ledger_unavailable.
        ["NUL in an account's metadata"] = _ => (HttpMethod.Post, "/api/v1/accounts", """{"currency":"EUR","metadata":{"ref":"a\u0000"}}""", 400, "metadata.ref"),
        ["NUL in a deposit's description"] = a => (HttpMethod.Post, "/api/v1/deposits",
            Json(new { accountId = a.Funded, amount = 1, currency = "EUR", description = "sal\0ary" }), 400, "description"),
        ["NUL in metadata"] = a => (HttpMethod.Post, "/api/v1/deposits",
            Json(new { accountId = a.Funded, amount = 1, currency = "EUR", metadata = new Dictionary<string, string> { ["ref"] = "a\0" } }), 400, "metadata.ref"),
        ["NUL in an entry's posting direction"] = a => (HttpMethod.Post, "/api/v1/entries", Json(new
        {
            postings = new[]
            {
                new { accountId = a.Funded, direction = "debit\0", amount = 100, currency = "EUR" },
                new { accountId = a.Other, direction = "credit", amount = 100, currency = "EUR" },
            },
        }), 400, "postings[0].direction"),
        // Identity never comes from the body (issue 15): an old client still naming the approver or the owner learns why.
        ["an approver in the body"] = _ => (HttpMethod.Post, $"/api/v1/reversals/{Guid.NewGuid()}/approval", Json(new { approved = true, by = "admin" }), 400, "by"),
        ["an approver in a v2 body"] = _ => (HttpMethod.Post, $"/api/v2/reversals/{Guid.NewGuid()}/approval", Json(new { approved = true, by = "admin" }), 400, "by"),
        ["v2 money without its currency"] = a => (HttpMethod.Post, "/api/v2/transfers",
            Json(new { fromAccountId = a.Funded, toAccountId = a.Other, amount = new { amount = 1 } }), 400, "amount.currency"),
        ["v2 money that is a number"] = a => (HttpMethod.Post, "/api/v2/deposits", Json(new { accountId = a.Funded, amount = 1 }), 400, "amount"),
        ["v2 posting money with a bad currency"] = a => (HttpMethod.Post, "/api/v2/entries", Json(new
        {
            postings = new[]
            {
                new { accountId = a.Funded, direction = "debit", amount = new { amount = 100L, currency = "eur" } },
                new { accountId = a.Other, direction = "credit", amount = new { amount = 100L, currency = "EUR" } },
            },
        }), 400, "postings[0].amount.currency"),
        ["NUL in a query value"] = _ => (HttpMethod.Get, "/api/v1/accounts?ownerId=al%00ice", "", 400, "ownerId"),
        // Framework rejections (issue 13 item 3): named fields and a code, never "Failed to bind parameter \"Nullable<int> limit\"".
        ["limit that is not a number"] = _ => (HttpMethod.Get, "/api/v1/accounts?ownerId=x&limit=abc", "", 400, "limit"),
        ["malformed account id in a query"] = _ => (HttpMethod.Get, "/api/v1/reversals?accountId=zz", "", 400, "accountId"),
        ["no body"] = _ => (HttpMethod.Post, "/api/v1/transfers", "", 400, "$"),
        ["body that is not JSON"] = _ => (HttpMethod.Post, "/api/v1/transfers", "amount=1", 415, null),
    };

    /// <summary>Everything a write could change, in one comparable string.</summary>
    private Task<string> Fingerprint() => api.ScalarAsync<string>(
        """
        SELECT concat_ws('|',
            (SELECT count(*) FROM accounts), (SELECT sum(balance) FROM accounts), (SELECT sum(held) FROM accounts),
            (SELECT string_agg(status, ',' ORDER BY id) FROM accounts), (SELECT sequence FROM ledger_head),
            (SELECT count(*) FROM event_log), (SELECT count(*) FROM outbox), (SELECT count(*) FROM journal_entries),
            (SELECT count(*) FROM postings), (SELECT count(*) FROM holds), (SELECT count(*) FROM idempotency_keys))
        """);
}
