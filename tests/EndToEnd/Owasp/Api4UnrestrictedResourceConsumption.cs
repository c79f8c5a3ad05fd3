using System.Text;

namespace LedgerX.EndToEnd.Tests.Owasp;

/// <summary>
/// OWASP API4:2023 Unrestricted Resource Consumption. The gateway bounds what one request may cost (body, URL,
/// headers: 413/414/431) and what one caller may ask for over time (token buckets per principal, per client IP when
/// anonymous, with separate budgets, questions to nlp-service their own small one: 429 with Retry-After and the IETF
/// RateLimit headers); services bound page sizes.
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class Api4UnrestrictedResourceConsumption(LedgerXSystem system)
{
    private Ledger Ledger => system.Ledger;

    [Fact]
    public async Task A_body_over_the_limit_is_refused_with_413_before_any_service()
    {
        var alice = await system.Identities.CustomerAsync("alice");
        var oversized = new StringContent("{\"description\":\"" + new string('x', 1024 * 1024) + "\"}", Encoding.UTF8, "application/json");
        using var http = system.Client();
        using var request = alice.Request(HttpMethod.Post, "/api/v1/transfers");
        request.Content = oversized;
        // As a real client does for a large upload: the gateway judges the declared Content-Length and answers 413
        // before asking for the body (no 100 Continue), so the body is never sent, let alone forwarded. Without it the
        // gateway's early 413 and close race the client's upload and the client sees a broken pipe instead.
        request.Headers.ExpectContinue = true;

        using var response = await http.SendAsync(request);

        await ShouldBeProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
    }

    // Sizes between the gateway's limits (Gateway:Limits defaults: URL 2,048 bytes, 50 headers, 16 KiB of headers) and
    // Kestrel's own (8 KiB request line, 100 headers, 32 KiB), so that the gateway answers, with a problem.
    [Fact]
    public async Task A_url_over_the_limit_is_refused_with_414()
    {
        var alice = await system.Identities.CustomerAsync("alice");

        using var response = await Ledger.SendAsync(alice, HttpMethod.Get, "/api/v1/accounts?after=" + new string('a', 4000));

        await ShouldBeProblemAsync(response, HttpStatusCode.RequestUriTooLong);
    }

    [Theory]
    [InlineData(60, 10)]
    [InlineData(2, 9_000)]
    public async Task Too_many_or_too_large_headers_are_refused_with_431(int count, int size)
    {
        var alice = await system.Identities.CustomerAsync("alice");
        using var http = system.Client();
        using var request = alice.Request(HttpMethod.Get, "/api/v1/accounts");
        for (int i = 0; i < count; i++)
        {
            request.Headers.TryAddWithoutValidation($"X-Filler-{i}", new string('h', size));
        }

        using var response = await http.SendAsync(request);

        await ShouldBeProblemAsync(response, HttpStatusCode.RequestHeaderFieldsTooLarge);
    }

    [Fact]
    public async Task A_caller_over_the_write_budget_gets_429_with_rate_limit_headers_while_another_caller_is_still_served()
    {
        // A fresh caller: its budget is spent here and must not be anyone else's.
        var greedy = await system.Identities.NewCustomerAsync();
        var patient = await system.Identities.CustomerAsync("patient");
        using var http = system.Client();

        var responses = await Task.WhenAll(Enumerable.Range(0, 80).Select(_ =>
            http.SendAsync(greedy.Request(HttpMethod.Post, "/api/v1/transfers", new { }))));
        using var other = await http.SendAsync(patient.Request(HttpMethod.Post, "/api/v1/transfers", new { }));
        try
        {
            var limited = responses.FirstOrDefault(r => r.StatusCode == HttpStatusCode.TooManyRequests);
            limited.ShouldNotBeNull("80 writes at once must exceed one caller's write budget");
            await ShouldBeProblemAsync(limited, HttpStatusCode.TooManyRequests);
            limited.Headers.RetryAfter.ShouldNotBeNull();
            limited.Headers.TryGetValues("RateLimit", out var state).ShouldBeTrue("429 carries RateLimit");
            limited.Headers.TryGetValues("RateLimit-Policy", out var policy).ShouldBeTrue("429 carries RateLimit-Policy");
            string.Join(",", state!).ShouldNotBeNullOrWhiteSpace();
            string.Join(",", policy!).ShouldNotBeNullOrWhiteSpace();
            responses.Count(r => r.StatusCode == HttpStatusCode.BadRequest).ShouldBeGreaterThan(0, "the budget's first requests reach the ledger");

            other.StatusCode.ShouldNotBe(HttpStatusCode.TooManyRequests, "budgets are per principal");
        }
        finally
        {
            foreach (var response in responses)
            {
                response.Dispose();
            }
        }
    }

    [Fact]
    public async Task A_flood_of_questions_meets_the_gateways_nlp_budget_while_another_caller_is_still_served()
    {
        // Fresh callers: the flood spends one budget on purpose; the other's must be untouched.
        var greedy = await system.Identities.NewCustomerAsync();
        var patient = await system.Identities.NewCustomerAsync();
        using var http = system.Client();

        var responses = await Task.WhenAll(Enumerable.Range(0, 40).Select(i =>
            http.SendAsync(greedy.Request(HttpMethod.Post, "/api/v1/questions", new { question = $"What is my balance? ({i})" }))));
        using var other = await http.SendAsync(patient.Request(HttpMethod.Post, "/api/v1/questions", new { question = "What is my balance?" }));
        try
        {
            var limited = responses.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToList();
            var byGateway = new List<HttpResponseMessage>();
            foreach (var response in limited)
            {
                string body = await response.Content.ReadAsStringAsync();
                response.Headers.RetryAfter.ShouldNotBeNull(body);
                if (JsonNode.Parse(body)!["code"]!.GetValue<string>() == "rate_limited")
                {
                    byGateway.Add(response);
                }
            }
            byGateway.ShouldNotBeEmpty("40 questions at once must exceed one caller's nlp budget (10 at once)");
            string.Join(",", byGateway[0].Headers.GetValues("RateLimit-Policy")).ShouldContain("\"nlp\"");
            responses.Count(r => r.StatusCode == HttpStatusCode.Accepted).ShouldBeGreaterThan(0, "the budget's first questions are accepted");
            responses.Count(r => r.StatusCode == HttpStatusCode.Accepted).ShouldBeLessThanOrEqualTo(10, "no more than the nlp budget gets through");

            other.StatusCode.ShouldBe(HttpStatusCode.Accepted, "budgets are per principal: " + await other.Content.ReadAsStringAsync());
        }
        finally
        {
            foreach (var response in responses)
            {
                response.Dispose();
            }
        }
    }

    [Fact]
    public async Task A_served_response_says_how_much_of_the_budget_is_left()
    {
        var alice = await system.Identities.CustomerAsync("alice");

        using var response = await Ledger.SendAsync(alice, HttpMethod.Get, "/api/v1/users/me");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Headers.Contains("RateLimit").ShouldBeTrue();
        response.Headers.Contains("RateLimit-Policy").ShouldBeTrue();
    }

    [Fact]
    public async Task Guessing_client_secrets_from_one_address_is_throttled()
    {
        using var http = system.Client();
        var responses = await Task.WhenAll(Enumerable.Range(0, SystemRunFile.SignInBurst + 60).Select(i =>
            http.PostAsync("/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "client_credentials", ["client_id"] = Identities.MachineClient, ["client_secret"] = $"guess-{i}", ["scope"] = "ledger:read",
            }))));
        try
        {
            responses.ShouldNotContain(r => r.StatusCode == HttpStatusCode.OK, "no guess is right");
            var limited = responses.FirstOrDefault(r => r.StatusCode == HttpStatusCode.TooManyRequests);
            limited.ShouldNotBeNull("more guesses than the sign-in budget must be throttled");
            limited.Headers.RetryAfter.ShouldNotBeNull();
        }
        finally
        {
            foreach (var response in responses)
            {
                response.Dispose();
            }
        }
    }

    [Theory]
    [InlineData("/api/v1/accounts/{0}/history?limit=100000")]
    [InlineData("/api/v1/accounts?limit=100000")]
    public async Task Services_refuse_pages_larger_than_their_bound(string template)
    {
        var (alice, account) = await Ledger.FundedCustomerAsync(name: "alice");

        using var response = await Ledger.SendAsync(alice, HttpMethod.Get, string.Format(template, account));

        await ShouldBeProblemAsync(response, HttpStatusCode.BadRequest);
        (await response.Content.ReadAsStringAsync()).ShouldContain("limit");
    }

    private static async Task ShouldBeProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        string body = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(status, body);
        response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json", body);
        JsonNode.Parse(body)!["code"].ShouldNotBeNull(body);
    }
}
