using System.Diagnostics;
using System.Net;

namespace LedgerX.Gateway.IntegrationTests.Resilience;

/// <summary>A gateway whose fraud routes time out after 1 s and whose breakers open after two failures in three.</summary>
public sealed class TouchyGateway : GatewayHost
{
    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["ReverseProxy:Routes:fraud-alerts:Timeout"] = "00:00:01",
        ["Gateway:CircuitBreaker:MinimumThroughput"] = "3",
        ["Gateway:CircuitBreaker:FailureRatio"] = "0.5",
        ["Gateway:CircuitBreaker:SamplingDurationSeconds"] = "60",
        ["Gateway:CircuitBreaker:BreakDurationSeconds"] = "30",
    };
}

/// <summary>
/// A slow, failing or dead upstream costs its own routes only: the route's timeout answers 504, a dead one 503 at once,
/// its breaker opens and answers 503 with Retry-After without calling it, and ledger routes stay fast all along. Each test has its own gateway, since
/// an open breaker is state.
/// </summary>
public sealed class UpstreamFailures : IAsyncLifetime
{
    private readonly TouchyGateway _gateway = new();

    public ValueTask InitializeAsync() => _gateway.InitializeAsync();

    public ValueTask DisposeAsync() => _gateway.DisposeAsync();

    [Fact]
    public async Task AHangingUpstreamIsCutOffAtTheRoutesTimeout()
    {
        _gateway.Fraud.Behaviour = UpstreamBehaviour.Hang;
        var clock = Stopwatch.StartNew();

        using var response = await _gateway.SendAsync(HttpMethod.Get, "/api/v1/alerts");

        var problem = await response.ShouldBeProblemAsync(504, "upstream_timeout");
        problem.GetProperty("upstream").GetString().ShouldBe("fraud");
        clock.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task LedgerRoutesStayFastWhileFraudHangsAndItsBreakerOpens()
    {
        // Warm: the first call through a cluster builds its client and connections.
        using (var warm = await _gateway.SendAsync(HttpMethod.Get, "/api/v1/accounts"))
        {
            warm.StatusCode.ShouldBe(HttpStatusCode.OK);
        }
        _gateway.Fraud.Behaviour = UpstreamBehaviour.Hang;
        var hanging = Enumerable.Range(0, 4).Select(_ => _gateway.SendAsync(HttpMethod.Get, "/api/v1/alerts")).ToList();

        // While four fraud calls hang, ledger calls answer as fast as ever.
        await Task.Delay(200);
        for (var i = 0; i < 5; i++)
        {
            var clock = Stopwatch.StartNew();
            using var ledger = await _gateway.SendAsync(HttpMethod.Get, "/api/v1/accounts");
            ledger.StatusCode.ShouldBe(HttpStatusCode.OK);
            clock.Elapsed.ShouldBeLessThan(TimeSpan.FromMilliseconds(750), $"ledger call {i}");
        }
        foreach (var call in hanging)
        {
            using var timedOut = await call;
            timedOut.StatusCode.ShouldBe(HttpStatusCode.GatewayTimeout);
        }

        // Four timeouts out of four: fraud's breaker is open, and answers at once without calling fraud.
        var before = _gateway.Fraud.ApiRequests.Count;
        var fast = Stopwatch.StartNew();
        using var refused = await _gateway.SendAsync(HttpMethod.Get, "/api/v1/alerts");
        fast.Elapsed.ShouldBeLessThan(TimeSpan.FromMilliseconds(500));
        var problem = await refused.ShouldBeProblemAsync(503, "upstream_unavailable");
        problem.GetProperty("upstream").GetString().ShouldBe("fraud");
        refused.Headers.RetryAfter?.Delta.ShouldNotBeNull().TotalSeconds.ShouldBeInRange(1, 30);
        _gateway.Fraud.ApiRequests.Count.ShouldBe(before);

        // The ledger's breaker is its own.
        using var stillFine = await _gateway.SendAsync(HttpMethod.Get, "/api/v1/accounts");
        stillFine.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task ADeadUpstreamIsUnavailableAtOnceThenItsBreakerOpens()
    {
        await _gateway.Analytics.StopAppAsync();

        var clock = Stopwatch.StartNew();
        using var first = await _gateway.SendAsync(HttpMethod.Get, "/api/v1/ledger/volumes/daily");
        clock.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(5), "no waiting for the route's timeout");
        var problem = await first.ShouldBeProblemAsync(503, "upstream_unavailable");
        (await first.Content.ReadAsStringAsync()).ShouldNotContain("ERR_DIRECT_INVOKE");
        problem.GetProperty("upstream").GetString().ShouldBe("analytics");
        first.Headers.RetryAfter?.Delta.ShouldBe(TimeSpan.FromSeconds(1), "the breaker is still closed: the app may be back at once");
        for (var i = 0; i < 2; i++)
        {
            using var again = await _gateway.SendAsync(HttpMethod.Get, "/api/v1/ledger/volumes/daily");
        }

        using var open = await _gateway.SendAsync(HttpMethod.Get, "/api/v1/accounts/0190b7a2-7a53-7c4e-9f0e-2a1b3c4d5e6f/spending");
        await open.ShouldBeProblemAsync(503, "upstream_unavailable");
        open.Headers.RetryAfter?.Delta.ShouldBe(TimeSpan.FromSeconds(30), "an open breaker refuses for its break");
        using var ledger = await _gateway.SendAsync(HttpMethod.Get, "/api/v1/ledger/verify");
        ledger.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task AServicesOwnProblemPassesThroughAndCountsAsAFailure()
    {
        _gateway.Auth.Behaviour = UpstreamBehaviour.Fail;

        for (var i = 0; i < 3; i++)
        {
            using var failed = await _gateway.SendAsync(HttpMethod.Get, "/api/v1/users/me");
            await failed.ShouldBeProblemAsync(500, "internal_error");
        }

        using var open = await _gateway.SendAsync(HttpMethod.Get, "/api/v1/users/me");
        await open.ShouldBeProblemAsync(503, "upstream_unavailable");
    }
}
