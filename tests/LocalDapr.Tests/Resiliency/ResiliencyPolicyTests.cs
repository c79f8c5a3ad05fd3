using LedgerX.LocalDapr.Resiliency;
using LedgerX.LocalDapr.Resources;
using Microsoft.Extensions.Time.Testing;

namespace LedgerX.LocalDapr.Tests.Resiliency;

/// <summary>The retry part of a Resiliency policy (Polly's retry strategy): counts, status matching, and delays on the injected clock.</summary>
public sealed class ResiliencyPolicyTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static RetryPolicy Constant(TimeSpan duration, int maxRetries, params int[] statuses) =>
        new("retry", false, duration, TimeSpan.Zero, maxRetries, statuses);

    [Fact]
    public async Task Failed_attempts_are_retried_maxRetries_times_then_the_last_failure_surfaces()
    {
        int attempts = 0;
        var policy = new ResiliencyPolicy(null, Constant(TimeSpan.FromMilliseconds(1), 3), null);

        var error = await Should.ThrowAsync<AttemptFailedException>(() => policy.ExecuteAsync<int>(_ =>
        {
            attempts++;
            throw new AttemptFailedException($"attempt {attempts}", 500);
        }, Ct));

        attempts.ShouldBe(4);
        error.Message.ShouldBe("attempt 4");
    }

    [Fact]
    public async Task With_matching_status_codes_only_those_statuses_are_retried()
    {
        var policy = new ResiliencyPolicy(null, Constant(TimeSpan.FromMilliseconds(1), 3, 503), null);
        int attempts = 0;

        await Should.ThrowAsync<AttemptFailedException>(() => policy.ExecuteAsync<int>(_ => { attempts++; throw new AttemptFailedException("no", 500); }, Ct));
        attempts.ShouldBe(1);

        attempts = 0;
        (await policy.ExecuteAsync(_ => ++attempts < 3 ? throw new AttemptFailedException("busy", 503) : Task.FromResult(attempts), Ct)).ShouldBe(3);
    }

    [Fact]
    public async Task Retry_delays_run_on_the_injected_time_provider()
    {
        var time = new FakeTimeProvider();
        int attempts = 0;
        var policy = new ResiliencyPolicy(null, Constant(TimeSpan.FromHours(1), 2), null, time);

        var run = policy.ExecuteAsync(_ => ++attempts < 3 ? throw new AttemptFailedException("down", 503) : Task.FromResult("up"), Ct);
        await WaitUntilAsync(() => attempts == 1);
        run.IsCompleted.ShouldBeFalse();

        time.Advance(TimeSpan.FromHours(1));
        await WaitUntilAsync(() => attempts == 2);
        time.Advance(TimeSpan.FromHours(1));

        (await run.WaitAsync(TimeSpan.FromSeconds(10), Ct)).ShouldBe("up");
        attempts.ShouldBe(3);
    }

    /// <summary>Bounds a wait for work the fake clock released; the bound only turns a hang into a failure.</summary>
    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (int i = 0; i < 500 && !condition(); i++)
        {
            await Task.Delay(10, Ct);
        }

        condition().ShouldBeTrue();
    }
}
