using LedgerX.LocalDapr.Resources;
using Polly;
using Polly.Retry;
using RetryPolicy = LedgerX.LocalDapr.Resources.RetryPolicy;

namespace LedgerX.LocalDapr.Resiliency;

/// <summary>An attempt failed in a way a retry policy may act on; <see cref="HttpStatus"/> feeds <c>matching.httpStatusCodes</c>.</summary>
public sealed class AttemptFailedException : Exception
{
    public AttemptFailedException(string message, int? httpStatus = null, Exception? inner = null)
        : base(message, inner) => HttpStatus = httpStatus;

    public AttemptFailedException()
    {
    }

    public AttemptFailedException(string message)
        : base(message)
    {
    }

    public AttemptFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public int? HttpStatus { get; }
}

public sealed class CircuitOpenException : Exception
{
    public CircuitOpenException(string message)
        : base(message)
    {
    }

    public CircuitOpenException()
    {
    }

    public CircuitOpenException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// Timeout + retry + circuit breaker for one target, with daprd's composition (RT pkg/resiliency): the
/// timeout bounds each attempt, the breaker counts attempts, the retry wraps both. The retry is Polly's retry
/// strategy (delays on the injected <see cref="TimeProvider"/>); the per-attempt timeout and the breaker stay here
/// because daprd's breaker is gobreaker's consecutive-failure count, which Polly's ratio-over-a-window breaker
/// does not reproduce.
/// </summary>
public sealed class ResiliencyPolicy
{
    /// <summary>daprd retries forever for maxRetries -1; here "forever" is bounded so nothing can spin unobserved.</summary>
    public const int MaxRetriesCap = 1000;

    private readonly TimeSpan? _timeout;
    private readonly RetryPolicy? _retry;
    private readonly CircuitBreaker? _breaker;
    private readonly ResiliencePipeline _retries;

    public ResiliencyPolicy(TimeSpan? timeout, RetryPolicy? retry, CircuitBreaker? breaker, TimeProvider? time = null)
    {
        _timeout = timeout;
        _retry = retry;
        _breaker = breaker;
        int maxRetries = retry is null ? 0 : (retry.MaxRetries < 0 ? MaxRetriesCap : Math.Min(retry.MaxRetries, MaxRetriesCap));
        var builder = new ResiliencePipelineBuilder { TimeProvider = time ?? TimeProvider.System };
        if (maxRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = maxRetries,
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } ex && !args.Context.CancellationToken.IsCancellationRequested && ShouldRetry(ex)),
                DelayGenerator = args => ValueTask.FromResult<TimeSpan?>(Backoff(args.AttemptNumber)),
                UseJitter = false,
            });
        }

        _retries = builder.Build();
    }

    public static ResiliencyPolicy None { get; } = new(null, null, null);

    public async Task<T> ExecuteAsync<T>(Func<CancellationToken, Task<T>> attempt, CancellationToken cancellationToken) =>
        await _retries.ExecuteAsync(async token => await AttemptAsync(attempt, token), cancellationToken);

    private async Task<T> AttemptAsync<T>(Func<CancellationToken, Task<T>> attempt, CancellationToken cancellationToken)
    {
        _breaker?.ThrowIfOpen();
        using var attemptCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (_timeout is { } timeout)
        {
            attemptCts.CancelAfter(timeout);
        }

        try
        {
            T result = await attempt(attemptCts.Token);
            _breaker?.RecordSuccess();
            return result;
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            _breaker?.RecordFailure();
            throw new AttemptFailedException($"timeout of {_timeout} exceeded", null, ex);
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not CircuitOpenException)
        {
            _breaker?.RecordFailure();
            throw;
        }
    }

    private bool ShouldRetry(Exception ex)
    {
        if (ex is OperationCanceledException)
        {
            return false;
        }

        if (ex is CircuitOpenException)
        {
            return true;
        }

        if (_retry is null || _retry.HttpStatusCodes.Count == 0)
        {
            return true;
        }

        // With matching.httpStatusCodes only the listed statuses retry; transport errors always do.
        return ex is not AttemptFailedException { HttpStatus: { } status } || _retry.HttpStatusCodes.Contains(status);
    }

    /// <summary>daprd's backoff: constant <c>duration</c>, or <c>duration</c> × 1.5^retry capped at <c>maxInterval</c>.</summary>
    private TimeSpan Backoff(int retry)
    {
        var policy = _retry!;
        if (!policy.Exponential)
        {
            return policy.Duration;
        }

        double ms = policy.Duration.TotalMilliseconds * Math.Pow(1.5, Math.Min(retry, 30));
        return TimeSpan.FromMilliseconds(Math.Min(ms, policy.MaxInterval.TotalMilliseconds));
    }
}

/// <summary>
/// Consecutive-failure breaker (the only trip form parsed): open for <c>timeout</c>, then half-open for
/// <c>maxRequests</c>. While closed, counts are cleared every <c>interval</c> (0 = never), as in daprd's gobreaker.
/// </summary>
public sealed class CircuitBreaker
{
    private readonly CircuitBreakerPolicy _policy;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private int _consecutiveFailures;
    private DateTimeOffset? _openUntil;
    private int _halfOpenInFlight;
    private DateTimeOffset _windowStart;

    public CircuitBreaker(CircuitBreakerPolicy policy, TimeProvider time)
    {
        _policy = policy;
        _time = time;
        _windowStart = time.GetUtcNow();
    }

    public void ThrowIfOpen()
    {
        lock (_gate)
        {
            if (_openUntil is not { } until)
            {
                return;
            }

            if (_time.GetUtcNow() < until || _halfOpenInFlight >= Math.Max(1, _policy.MaxRequests))
            {
                throw new CircuitOpenException($"circuit breaker '{_policy.Name}' is open");
            }

            _halfOpenInFlight++;
        }
    }

    public void RecordSuccess()
    {
        lock (_gate)
        {
            _consecutiveFailures = 0;
            _openUntil = null;
            _halfOpenInFlight = 0;
        }
    }

    public void RecordFailure()
    {
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            if (_openUntil is null && _policy.Interval > TimeSpan.Zero && now - _windowStart >= _policy.Interval)
            {
                _consecutiveFailures = 0;
                _windowStart = now;
            }

            _consecutiveFailures++;
            if (_openUntil is not null || _consecutiveFailures >= _policy.ConsecutiveFailuresToTrip)
            {
                _openUntil = _time.GetUtcNow() + _policy.Timeout;
                _halfOpenInFlight = 0;
            }
        }
    }
}

/// <summary>Resolves the policy for an app or component target from the loaded Resiliency resources.</summary>
public sealed class ResiliencyProvider
{
    private readonly IReadOnlyList<ResiliencyResource> _resources;
    private readonly TimeProvider _time;
    private readonly Dictionary<string, ResiliencyPolicy> _cache = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public ResiliencyProvider(IReadOnlyList<ResiliencyResource> resources, TimeProvider time)
    {
        _resources = resources;
        _time = time;
    }

    public ResiliencyPolicy ForApp(string appId) => Resolve($"app:{appId}", r => r.Apps.GetValueOrDefault(appId));

    public ResiliencyPolicy ForComponentInbound(string component) => Resolve($"in:{component}", r => r.ComponentsInbound.GetValueOrDefault(component));

    public ResiliencyPolicy ForComponentOutbound(string component) => Resolve($"out:{component}", r => r.ComponentsOutbound.GetValueOrDefault(component));

    private ResiliencyPolicy Resolve(string cacheKey, Func<ResiliencyResource, TargetPolicies?> pick)
    {
        lock (_gate)
        {
            if (_cache.TryGetValue(cacheKey, out var cached))
            {
                return cached;
            }

            ResiliencyPolicy policy = ResiliencyPolicy.None;
            foreach (var resource in _resources)
            {
                if (pick(resource) is not { } target)
                {
                    continue;
                }

                // Circuit breaker state is per target, so one instance per (target, policy) is cached here.
                policy = new ResiliencyPolicy(
                    target.Timeout is null ? null : resource.Timeouts[target.Timeout],
                    target.Retry is null ? null : resource.Retries[target.Retry],
                    target.CircuitBreaker is null ? null : new CircuitBreaker(resource.CircuitBreakers[target.CircuitBreaker], _time),
                    _time);
                break;
            }

            _cache[cacheKey] = policy;
            return policy;
        }
    }
}
