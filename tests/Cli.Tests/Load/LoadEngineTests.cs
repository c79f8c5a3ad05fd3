using LedgerX.Cli.Load;

namespace LedgerX.Cli.Tests.Load;

/// <summary>The engine against a real local HTTP server: k6's open-loop arrival rate, dropped iterations, checks,
/// thresholds and acknowledged commands.</summary>
public sealed class LoadEngineRuns : IAsyncLifetime
{
    /// <summary>A hang guard only (never a timing assertion): the longest run here is ~4 s on a quiet machine.</summary>
    private static readonly TimeSpan Guard = TimeSpan.FromMinutes(2);

    private FakeTarget _target = null!;

    public async ValueTask InitializeAsync() => _target = await FakeTarget.StartAsync();

    public async ValueTask DisposeAsync() => await _target.DisposeAsync();

    private async Task<LoadResult> RunAsync(string json, UserPool? users = null)
    {
        var script = LoadScriptParser.Parse(json, "test.json");
        await using var run = LoadRun.Start(script, _target.BaseUrl, users ?? UserPool.Empty, TestContext.Current.CancellationToken);
        return await run.Completion.WaitAsync(Guard, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task AConstantArrivalRateStartsRateTimesDurationIterations()
    {
        var result = await RunAsync("""
            {
              "scenarios": { "steady": { "executor": "constant-arrival-rate", "rate": 100, "timeUnit": "1s", "duration": "3s",
                                          "preAllocatedVUs": 20, "maxVUs": 200, "exec": "fast" } },
              "mixes": { "fast": [ { "name": "fast", "path": "/fast", "check": { "status": 200, "body": "ok" } } ] }
            }
            """);

        var counters = result.Metrics.Scenario("steady");
        (counters.Iterations + counters.Dropped).ShouldBeInRange(297, 300);
        counters.Dropped.ShouldBe(0);
        var all = LoadSummary.Slice(result, null, null);
        all.Requests.ShouldBe(counters.Iterations);
        all.Failed.ShouldBe(0);
        all.CheckFails.ShouldBe(0);
        all.CheckPasses.ShouldBe(2 * all.Requests);
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(3, true)]
    public async Task FindMaxJudgesItsFirstStepOnlyAfterTheWarmup(int warmupSeconds, bool firstStepHeld)
    {
        var script = LoadScriptParser.Parse("""
            {
              "scenarios": { "s": { "executor": "constant-arrival-rate", "rate": 10, "timeUnit": "1s", "duration": "1s",
                                    "preAllocatedVUs": 10, "maxVUs": 50, "exec": "cold" } },
              "mixes": { "cold": [ { "name": "cold", "path": "/cold" } ] }
            }
            """, "test.json");

        // Start = max: one judged step (or a bisection below it when it fails); only the first is asserted.
        var steps = await CapacitySearch.RunAsync(script, _target.BaseUrl, UserPool.Empty, 10, 10, TimeSpan.FromSeconds(1),
            TimeSpan.FromSeconds(warmupSeconds), CapacityCriteria.Rfc001, _ => { }, TestContext.Current.CancellationToken).WaitAsync(Guard, TestContext.Current.CancellationToken);

        steps[0].Rate.ShouldBe(10);
        steps[0].Held.ShouldBe(firstStepHeld);
    }

    [Fact]
    public async Task ARampingArrivalRateFollowsItsStages()
    {
        // 0 → 100/s over 2 s is 100 iterations, then 100/s for 1 s is 100 more.
        var result = await RunAsync("""
            {
              "scenarios": { "ramp": { "executor": "ramping-arrival-rate", "startRate": 0, "preAllocatedVUs": 10, "maxVUs": 100, "exec": "fast",
                                       "stages": [ { "duration": "2s", "target": 100 }, { "duration": "1s", "target": 100 } ] } },
              "mixes": { "fast": [ { "name": "fast", "path": "/fast" } ] }
            }
            """);

        var counters = result.Metrics.Scenario("ramp");
        (counters.Iterations + counters.Dropped).ShouldBeInRange(197, 200);
    }

    [Fact]
    public async Task IterationsThatFindEveryVuBusyAreDroppedNotDelayed()
    {
        // 20/s for 2 s against a 2-second endpoint with 5 VUs: 5 start, the other 35 have no VU and are dropped.
        var result = await RunAsync("""
            {
              "scenarios": { "slow": { "executor": "constant-arrival-rate", "rate": 20, "duration": "2s", "preAllocatedVUs": 2, "maxVUs": 5,
                                       "exec": "slow", "gracefulStop": "30s" } },
              "mixes": { "slow": [ { "name": "slow", "path": "/slow" } ] },
              "thresholds": { "dropped_iterations": [ "count==0" ] }
            }
            """);

        var counters = result.Metrics.Scenario("slow");
        counters.Iterations.ShouldBe(5);
        counters.Dropped.ShouldBe(35);
        counters.AllocatedVus.ShouldBe(5);
        result.ThresholdsPassed.ShouldBeFalse();
        result.Thresholds.ShouldHaveSingleItem().Value.ShouldBe(35);
    }

    [Fact]
    public async Task ConstantVusRunBackToBackAndThresholdsSeeFailures()
    {
        var result = await RunAsync("""
            {
              "scenarios": { "loop": { "executor": "constant-vus", "vus": 2, "duration": "1s", "exec": "mixed" } },
              "mixes": { "mixed": [ { "name": "ok", "path": "/fast", "weight": 1 }, { "name": "broken", "path": "/fail", "weight": 1, "check": { "status": 200 } } ] },
              "thresholds": {
                "http_req_failed": [ "rate<0.001" ],
                "http_req_failed{name:ok}": [ "rate<0.001" ],
                "checks{name:broken}": [ "rate>0.999" ],
                "http_req_duration{scenario:loop}": [ "p(95)<60000" ]
              }
            }
            """);

        var verdicts = result.Thresholds.ToDictionary(t => t.Spec.Source, t => t.Passed);
        verdicts["http_req_failed"].ShouldBeFalse();
        verdicts["http_req_failed{name:ok}"].ShouldBeTrue();
        verdicts["checks{name:broken}"].ShouldBeFalse();
        verdicts["http_req_duration{scenario:loop}"].ShouldBeTrue();
        LoadSummary.Slice(result, "loop", "broken").Statuses.ShouldContainKey(500);
        result.Metrics.Scenario("loop").Iterations.ShouldBeGreaterThan(10, "closed-loop VUs start the next iteration as soon as the last one answered");
    }

    [Fact]
    public async Task AnAbortOnFailThresholdEndsTheRunEarly()
    {
        var result = await RunAsync("""
            {
              "scenarios": { "broken": { "executor": "constant-arrival-rate", "rate": 50, "duration": "60s", "preAllocatedVUs": 5, "maxVUs": 50, "exec": "fail" } },
              "mixes": { "fail": [ { "name": "fail", "path": "/fail" } ] },
              "thresholds": { "http_req_failed": [ { "threshold": "rate<0.01", "abortOnFail": true } ] }
            }
            """);

        result.AbortedBy.ShouldBe("http_req_failed: rate<0.01");
        result.ThresholdsPassed.ShouldBeFalse();
        result.Duration.ShouldBeLessThan(TimeSpan.FromSeconds(50));
    }

    [Fact]
    public async Task AcknowledgedCommandsCarryTheirIdempotencyKeyAndIdAndUsersTokens()
    {
        var users = new UserPool([new LoadUser("a@x", "a", "token-a", null, Guid.NewGuid()), new LoadUser("b@x", "b", "token-b", null, Guid.NewGuid())], null, null);
        var result = await RunAsync("""
            {
              "scenarios": { "pay": { "executor": "constant-arrival-rate", "rate": 20, "duration": "1s", "preAllocatedVUs": 4, "maxVUs": 20, "exec": "pay" } },
              "mixes": { "pay": [ { "name": "transfer", "method": "POST", "path": "/transfers", "headers": { "Idempotency-Key": "{{idempotencyKey}}" },
                                    "json": { "fromAccountId": "{{account}}", "toAccountId": "{{peerAccount}}", "amount": "{{int:1-9}}" },
                                    "check": { "status": 201, "body": "id" }, "acknowledge": "transfer" } ] }
            }
            """, users);

        var acknowledged = result.Acknowledged.ToList();
        acknowledged.Count.ShouldBe(20);
        acknowledged.Select(a => a.IdempotencyKey).Order().ShouldBe(_target.IdempotencyKeys.Order());
        acknowledged.ShouldAllBe(a => a.Kind == "transfer");
        acknowledged.Select(a => Guid.Parse(a.Id!)).Distinct().Count().ShouldBe(20);
        _target.Authorizations.Distinct().Order().ShouldBe(["Bearer token-a", "Bearer token-b"]);
    }
}
