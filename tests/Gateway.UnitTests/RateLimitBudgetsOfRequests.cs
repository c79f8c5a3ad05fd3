using LedgerX.Gateway.Api.RateLimiting;
using Microsoft.AspNetCore.Http;

namespace LedgerX.Gateway.UnitTests;

public sealed class RateLimitBudgetsOfRequests
{
    [Theory]
    [InlineData("GET", "/api/v1/accounts", "reads")]
    [InlineData("HEAD", "/api/v2/accounts", "reads")]
    [InlineData("POST", "/api/v1/transfers", "writes")]
    [InlineData("PUT", "/api/v1/admin/users/x/roles/teller", "writes")]
    [InlineData("DELETE", "/api/v1/admin/users/x/roles/teller", "writes")]
    [InlineData("PATCH", "/api/v2/accounts/x", "writes")]
    [InlineData("POST", "/connect/token", "sign-in")]
    [InlineData("POST", "/account/login", "sign-in")]
    [InlineData("GET", "/account/login", "sign-in")]
    [InlineData("POST", "/api/v1/users/register", "sign-in")]
    [InlineData("POST", "/api/v2/users/password/forgot", "sign-in")]
    [InlineData("POST", "/api/v1/users/me/password", "writes")]
    [InlineData("POST", "/api/v1/questions", "nlp")]
    [InlineData("GET", "/api/v2/questions/42", "reads")]
    [InlineData("POST", "/api/v1/questions/42/cancel", "writes")]
    [InlineData("GET", "/connect/userinfo", "reads")]
    public void EachRequestSpendsOneBudget(string method, string path, string budget)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = method;
        context.Request.Path = path;

        RateLimitBudgets.Of(context.Request).ShouldBe(budget);
    }

    [Theory]
    [InlineData("2001:db8:1:2:aaaa::1", "2001:db8:1:2:bbbb::9")]
    [InlineData("::ffff:192.0.2.7", "192.0.2.7")]
    public void AddressesOfOneNetworkShareABucket(string one, string other)
    {
        RateLimitBudgets.CallerOf(Anonymous(one)).ShouldBe(RateLimitBudgets.CallerOf(Anonymous(other)));
    }

    [Fact]
    public void DifferentIPv4AddressesHaveTheirOwn() =>
        RateLimitBudgets.CallerOf(Anonymous("192.0.2.7")).ShouldNotBe(RateLimitBudgets.CallerOf(Anonymous("192.0.2.8")));

    [Theory]
    [InlineData(10, 1, "\"reads\";q=10;w=1")]
    [InlineData(10, 3, "\"reads\";q=4;w=1")]
    [InlineData(1, 5, "\"reads\";q=1;w=1")]
    public void EachReplicaEnforcesItsShareRoundedUp(int tokenLimit, int replicas, string policy)
    {
        var budget = ReplicaBudget.Of("reads", new TokenBucketBudget { TokenLimit = tokenLimit, TokensPerPeriod = tokenLimit, ReplenishmentPeriodSeconds = 1 }, replicas);

        RateLimitHeaders.PolicyValue(budget).ShouldBe(policy);
    }

    [Fact]
    public void TheCurrentFieldSaysWhatIsLeftAndWhenTheBucketIsFull()
    {
        var budget = ReplicaBudget.Of("writes", new TokenBucketBudget { TokenLimit = 30, TokensPerPeriod = 10, ReplenishmentPeriodSeconds = 1 }, 1);

        RateLimitHeaders.CurrentValue(budget, 30).ShouldBe("\"writes\";r=30;t=0");
        RateLimitHeaders.CurrentValue(budget, 29).ShouldBe("\"writes\";r=29;t=1");
        RateLimitHeaders.CurrentValue(budget, 0).ShouldBe("\"writes\";r=0;t=3");
    }

    private static DefaultHttpContext Anonymous(string address)
    {
        var context = new DefaultHttpContext();
        context.Connection.RemoteIpAddress = System.Net.IPAddress.Parse(address);
        return context;
    }
}
