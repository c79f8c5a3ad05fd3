using System.Net;
using System.Net.Http.Headers;

namespace LedgerX.Gateway.IntegrationTests.RateLimiting;

/// <summary>Small budgets on a deployment of two replicas: this replica enforces half of each (rounded up). Refills are
/// slow (one token a minute), so a test's own requests decide what is left.</summary>
public sealed class SmallBudgetsGateway : GatewayHost
{
    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Gateway:Replicas"] = "2",
        ["Gateway:RateLimits:Writes:TokenLimit"] = "6",
        ["Gateway:RateLimits:Writes:TokensPerPeriod"] = "1",
        ["Gateway:RateLimits:Writes:ReplenishmentPeriodSeconds"] = "60",
        ["Gateway:RateLimits:Reads:TokenLimit"] = "10",
        ["Gateway:RateLimits:Reads:TokensPerPeriod"] = "1",
        ["Gateway:RateLimits:Reads:ReplenishmentPeriodSeconds"] = "60",
        ["Gateway:RateLimits:SignIn:TokenLimit"] = "4",
        ["Gateway:RateLimits:SignIn:TokensPerPeriod"] = "1",
        ["Gateway:RateLimits:SignIn:ReplenishmentPeriodSeconds"] = "60",
        ["Gateway:RateLimits:Nlp:TokenLimit"] = "2",
        ["Gateway:RateLimits:Nlp:TokensPerPeriod"] = "1",
        ["Gateway:RateLimits:Nlp:ReplenishmentPeriodSeconds"] = "60",
    };
}

/// <summary>Token buckets per caller and budget: 429 problem+json with Retry-After and the IETF RateLimit fields once a
/// bucket is empty; other callers and other budgets are untouched; every answer says what is left.</summary>
public sealed class TokenBuckets(SmallBudgetsGateway gateway) : IClassFixture<SmallBudgetsGateway>
{
    [Fact]
    public async Task ACallersWritesStopAtItsShareOfTheBudget()
    {
        var caller = NewCaller();

        // 6 writes per deployment, 2 replicas: 3 here.
        for (var i = 0; i < 3; i++)
        {
            using var ok = await gateway.SendAsync(HttpMethod.Post, "/api/v1/transfers", caller);
            ok.StatusCode.ShouldBe(HttpStatusCode.OK);
            ok.Headers.GetValues("RateLimit-Policy").ShouldHaveSingleItem().ShouldBe("\"writes\";q=3;w=180");
            ok.Headers.GetValues("RateLimit").ShouldHaveSingleItem().ShouldStartWith($"\"writes\";r={2 - i};t=");
        }
        var hitsBefore = gateway.UpstreamHits;

        using var refused = await gateway.SendAsync(HttpMethod.Post, "/api/v1/transfers", caller);

        var problem = await refused.ShouldBeProblemAsync(429, "rate_limited");
        problem.GetProperty("budget").GetString().ShouldBe("writes");
        refused.Headers.RetryAfter.ShouldNotBeNull().Delta.ShouldNotBeNull().TotalSeconds.ShouldBeInRange(1, 60);
        refused.Headers.GetValues("RateLimit").ShouldHaveSingleItem().ShouldBe("\"writes\";r=0;t=180");
        refused.Headers.GetValues("RateLimit-Policy").ShouldHaveSingleItem().ShouldBe("\"writes\";q=3;w=180");
        gateway.UpstreamHits.ShouldBe(hitsBefore);
    }

    [Fact]
    public async Task OtherCallersAndOtherBudgetsAreUntouched()
    {
        var greedy = NewCaller();
        for (var i = 0; i < 4; i++)
        {
            using var _ = await gateway.SendAsync(HttpMethod.Post, "/api/v1/transfers", greedy);
        }

        using var otherCaller = await gateway.SendAsync(HttpMethod.Post, "/api/v1/transfers", NewCaller());
        using var sameCallerReads = await gateway.SendAsync(HttpMethod.Get, "/api/v1/accounts", greedy);

        otherCaller.StatusCode.ShouldBe(HttpStatusCode.OK);
        sameCallerReads.StatusCode.ShouldBe(HttpStatusCode.OK);
        sameCallerReads.Headers.GetValues("RateLimit-Policy").ShouldHaveSingleItem().ShouldBe("\"reads\";q=5;w=300");
    }

    [Fact]
    public async Task SignInIsLimitedPerClientAddress()
    {
        // Two sign-in tokens here (4 / 2 replicas), for every anonymous caller from this address together.
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            using var response = await gateway.Client.PostAsync("/connect/token", new FormUrlEncodedContent([new("grant_type", "password")]));
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                (await response.ShouldBeProblemAsync(429, "rate_limited")).GetProperty("budget").GetString().ShouldBe("sign-in");
            }
        }

        statuses.ShouldBe([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests]);
        // A caller with a token has buckets of its own, not the address's.
        using var withToken = await gateway.SendAsync(HttpMethod.Get, "/api/v1/users/me", NewCaller());
        withToken.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task QuestionsHaveTheirOwnBudget()
    {
        var caller = NewCaller();
        using var first = await gateway.SendAsync(HttpMethod.Post, "/api/v1/questions", caller);
        using var second = await gateway.SendAsync(HttpMethod.Post, "/api/v1/questions", caller);

        first.Headers.GetValues("RateLimit-Policy").ShouldHaveSingleItem().ShouldBe("\"nlp\";q=1;w=60");
        await second.ShouldBeProblemAsync(429, "rate_limited");
        using var write = await gateway.SendAsync(HttpMethod.Post, "/api/v1/transfers", caller);
        write.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task RequestsWithoutATokenAreLimitedByAddressBeforeTheyAreRefused()
    {
        // Reads without a token share one bucket per address: 5 here, then 429 instead of 401, all without a service.
        var hitsBefore = gateway.UpstreamHits;
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 7; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/accounts");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "forged");
            using var response = await gateway.Client.SendAsync(request);
            statuses.Add(response.StatusCode);
        }

        statuses.ShouldContain(HttpStatusCode.TooManyRequests);
        statuses.ShouldNotContain(HttpStatusCode.OK);
        gateway.UpstreamHits.ShouldBe(hitsBefore);
    }

    private static string NewCaller() => "user-" + Guid.NewGuid().ToString("N")[..8];
}
