using System.Net;
using LedgerX.Cli.Load.Users;

namespace LedgerX.Cli.Tests.Load;

/// <summary>Preparing the user pool waits out a 503 with Retry-After as a real client would (a breaker opened by another
/// client's load must not fail the run's setup), and resends the same body; other failures are not retried.</summary>
public sealed class SetupHttpWaitsOutUnavailability
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A503WithRetryAfterIsSentAgainWithTheSameBody_UntilItIsAnswered()
    {
        await using var target = await FakeTarget.StartAsync();
        using var http = SetupHttp.Create(target.BaseUrl);

        using var response = await http.PostAsync("unavailable-twice", new FormUrlEncodedContent(new Dictionary<string, string> { ["email"] = "a@b.test" }), Ct);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        target.UnavailableCalls.ShouldBe(["email=a%40b.test", "email=a%40b.test", "email=a%40b.test"]);
    }

    [Fact]
    public async Task A500IsNotRetried()
    {
        await using var target = await FakeTarget.StartAsync();
        using var http = SetupHttp.Create(target.BaseUrl);

        using var response = await http.GetAsync("fail", Ct);

        response.StatusCode.ShouldBe(HttpStatusCode.InternalServerError);
        target.FailCalls.ShouldBe(1);
    }
}
