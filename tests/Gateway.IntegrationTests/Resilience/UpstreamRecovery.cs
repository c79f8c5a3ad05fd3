using System.Diagnostics;
using System.Net;

namespace LedgerX.Gateway.IntegrationTests.Resilience;

/// <summary>A gateway whose breakers open after two failures in three and try again after 2 s.</summary>
public sealed class ForgivingGateway : GatewayHost
{
    public const int BreakSeconds = 2;

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Gateway:CircuitBreaker:MinimumThroughput"] = "3",
        ["Gateway:CircuitBreaker:FailureRatio"] = "0.5",
        ["Gateway:CircuitBreaker:SamplingDurationSeconds"] = "60",
        ["Gateway:CircuitBreaker:BreakDurationSeconds"] = BreakSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}

/// <summary>
/// "One service down": its routes answer 503 <c>upstream_unavailable</c> with <c>Retry-After</c> at once, whether its app,
/// its sidecar or the gateway's own sidecar is gone; the other routes are untouched; and when it comes back, the breaker's
/// trial call lets it in again without anyone restarting the gateway.
/// </summary>
public sealed class UpstreamRecovery : IAsyncLifetime
{
    private const string AnalyticsRoute = "/api/v1/ledger/volumes/daily";
    private static readonly TimeSpan FailFast = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan RecoveryDeadline = TimeSpan.FromSeconds(60);

    private readonly ForgivingGateway _gateway = new();

    public ValueTask InitializeAsync() => _gateway.InitializeAsync();

    public ValueTask DisposeAsync() => _gateway.DisposeAsync();

    [Fact]
    public async Task AServiceThatRestartsIsServedAgainOnceItsBreakerTriesIt()
    {
        await _gateway.Analytics.StopAppAsync();

        // Down: fail fast until the breaker opens; the ledger answers all along.
        for (var i = 0; i < 4; i++)
        {
            var clock = Stopwatch.StartNew();
            using var down = await _gateway.SendAsync(HttpMethod.Get, AnalyticsRoute);
            clock.Elapsed.ShouldBeLessThan(FailFast, $"analytics call {i}");
            await down.ShouldBeProblemAsync(503, "upstream_unavailable");
            down.Headers.RetryAfter?.Delta.ShouldNotBeNull();
            using var ledger = await _gateway.SendAsync(HttpMethod.Get, "/api/v1/accounts");
            ledger.StatusCode.ShouldBe(HttpStatusCode.OK);
        }
        using (var open = await _gateway.SendAsync(HttpMethod.Get, AnalyticsRoute))
        {
            open.Headers.RetryAfter?.Delta.ShouldBe(TimeSpan.FromSeconds(ForgivingGateway.BreakSeconds));
        }

        // Back: no one touches the gateway; the breaker's trial call finds the app and closes it.
        await _gateway.Analytics.RestartAppAsync();
        var deadline = Stopwatch.StartNew();
        HttpStatusCode status;
        do
        {
            using var probe = await _gateway.SendAsync(HttpMethod.Get, AnalyticsRoute);
            status = probe.StatusCode;
            if (status != HttpStatusCode.OK)
            {
                await probe.ShouldBeProblemAsync(503, "upstream_unavailable");
                await Task.Delay(TimeSpan.FromMilliseconds(200));
            }
        }
        while (status != HttpStatusCode.OK && deadline.Elapsed < RecoveryDeadline);
        status.ShouldBe(HttpStatusCode.OK);
        _gateway.Analytics.ApiRequests.ShouldNotBeEmpty();
    }

    [Fact]
    public async Task AServiceWhoseSidecarIsGoneIsUnavailableAtOnce()
    {
        await _gateway.Fraud.StopSidecarAsync();

        var clock = Stopwatch.StartNew();
        using var gone = await _gateway.SendAsync(HttpMethod.Get, "/api/v1/alerts");
        clock.Elapsed.ShouldBeLessThan(FailFast);
        var problem = await gone.ShouldBeProblemAsync(503, "upstream_unavailable");
        problem.GetProperty("upstream").GetString().ShouldBe("fraud");
        (await gone.Content.ReadAsStringAsync()).ShouldNotContain("couldn't find service");
        using var ledger = await _gateway.SendAsync(HttpMethod.Get, "/api/v1/accounts");
        ledger.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task TheGatewaysOwnSidecarGoneIsUnavailableNotUnreachable()
    {
        await _gateway.StopSidecarAsync();

        var clock = Stopwatch.StartNew();
        using var refused = await _gateway.SendAsync(HttpMethod.Get, "/api/v1/accounts");
        clock.Elapsed.ShouldBeLessThan(FailFast);
        await refused.ShouldBeProblemAsync(503, "upstream_unavailable");
        refused.Headers.RetryAfter?.Delta.ShouldNotBeNull();
    }
}
