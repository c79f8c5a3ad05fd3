using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Http.Timeouts;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Yarp.ReverseProxy.Forwarder;

namespace LedgerX.Gateway.Api.Routing;

/// <summary>
/// One Polly circuit breaker per cluster, kept for the gateway's lifetime (YARP rebuilds a cluster's client when the
/// configuration changes; the breaker's state must survive that). Keyed by cluster, not destination, since every cluster's
/// destination is the same sidecar: a dead fraud-service must open fraud's breaker and nothing else.
/// </summary>
internal sealed partial class UpstreamCircuitBreakers(IOptions<CircuitBreakerOptions> options, IHttpContextAccessor http,
    TimeProvider time, ILogger<UpstreamCircuitBreakers> logger)
{
    private readonly ConcurrentDictionary<string, (ResiliencePipeline<HttpResponseMessage> Pipeline, CircuitBreakerStateProvider State)> _breakers =
        new(StringComparer.OrdinalIgnoreCase);

    /// <summary>What a client is told to wait when an upstream's call failed for want of the upstream.</summary>
    public static readonly TimeSpan MinimumRetryAfter = TimeSpan.FromSeconds(1);

    public TimeSpan BreakDuration => TimeSpan.FromSeconds(options.Value.BreakDurationSeconds);

    /// <summary>How long a client should wait before calling <paramref name="clusterId"/> again after a failure for want
    /// of the upstream: the break, once the breaker has opened (calls before then are refused anyway); otherwise a
    /// second, since the upstream may be back at once (a restarted pod).</summary>
    public TimeSpan RetryAfterFor(string clusterId) =>
        StateOf(clusterId) is CircuitState.Open or CircuitState.Isolated ? BreakDuration : MinimumRetryAfter;

    public ResiliencePipeline<HttpResponseMessage> For(string clusterId) => _breakers.GetOrAdd(clusterId, Create).Pipeline;

    /// <summary>Closed, Open, HalfOpen or Isolated; Closed for a cluster that was never called.</summary>
    public CircuitState StateOf(string clusterId) =>
        _breakers.TryGetValue(clusterId, out var breaker) ? breaker.State.CircuitState : CircuitState.Closed;

    private (ResiliencePipeline<HttpResponseMessage>, CircuitBreakerStateProvider) Create(string clusterId)
    {
        var settings = options.Value;
        var state = new CircuitBreakerStateProvider();
        var pipeline = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = time }
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions<HttpResponseMessage>
            {
                FailureRatio = settings.FailureRatio,
                MinimumThroughput = settings.MinimumThroughput,
                SamplingDuration = TimeSpan.FromSeconds(settings.SamplingDurationSeconds),
                BreakDuration = TimeSpan.FromSeconds(settings.BreakDurationSeconds),
                StateProvider = state,
                ShouldHandle = args => ValueTask.FromResult(IsFailure(args.Outcome)),
                OnOpened = args =>
                {
                    LogOpened(logger, clusterId, args.BreakDuration.TotalSeconds);
                    return ValueTask.CompletedTask;
                },
                OnClosed = _ =>
                {
                    LogClosed(logger, clusterId);
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
        return (pipeline, state);
    }

    /// <summary>A 5xx, a connection failure, or the route's timeout firing count against the upstream. A client that hangs
    /// up (its own cancellation) says nothing about the upstream and does not count.</summary>
    private bool IsFailure(Outcome<HttpResponseMessage> outcome) => outcome switch
    {
        { Exception: HttpRequestException } => true,
        { Exception: OperationCanceledException } => RouteTimedOut(),
        { Result: { } response } => (int)response.StatusCode >= 500,
        _ => false,
    };

    private bool RouteTimedOut() =>
        http.HttpContext?.Features.Get<IHttpRequestTimeoutFeature>()?.RequestTimeoutToken.IsCancellationRequested == true;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Circuit for upstream {Cluster} opened for {BreakSeconds} s: its calls fail fast with 503")]
    private static partial void LogOpened(ILogger logger, string cluster, double breakSeconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Circuit for upstream {Cluster} closed: calls go through again")]
    private static partial void LogClosed(ILogger logger, string cluster);
}

/// <summary>YARP's client factory, with each cluster's handler wrapped in that cluster's breaker.</summary>
internal sealed class CircuitBreakingClientFactory(UpstreamCircuitBreakers breakers) : ForwarderHttpClientFactory
{
    protected override HttpMessageHandler WrapHandler(ForwarderHttpClientContext context, HttpMessageHandler handler) =>
        new CircuitBreakerHandler(context.ClusterId, breakers) { InnerHandler = base.WrapHandler(context, handler) };
}

/// <summary>Sends through the cluster's breaker; while it is open, answers 503 problem+json with <c>Retry-After</c>
/// without touching the sidecar, so a dead upstream costs its callers nothing but the answer.</summary>
internal sealed class CircuitBreakerHandler(string clusterId, UpstreamCircuitBreakers breakers) : DelegatingHandler
{
    public const string Code = UpstreamUnavailable.Code;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        try
        {
            return await breakers.For(clusterId).ExecuteAsync(
                static async (state, ct) => await state.Handler.SendCore(state.Request, ct), (Handler: this, Request: request), cancellationToken);
        }
        catch (BrokenCircuitException broken)
        {
            return Unavailable(request, broken.RetryAfter ?? breakers.BreakDuration);
        }
    }

    private Task<HttpResponseMessage> SendCore(HttpRequestMessage request, CancellationToken cancellationToken) =>
        base.SendAsync(request, cancellationToken);

    private HttpResponseMessage Unavailable(HttpRequestMessage request, TimeSpan retryAfter)
    {
        var seconds = UpstreamUnavailable.Seconds(retryAfter);
        var body = GatewayProblems.Json(StatusCodes.Status503ServiceUnavailable, Code, UpstreamUnavailable.Detail(clusterId, seconds),
            request.RequestUri?.AbsolutePath, UpstreamUnavailable.Extensions(clusterId));
        var response = new HttpResponseMessage(HttpStatusCode.ServiceUnavailable)
        {
            RequestMessage = request,
            Content = new StringContent(body, System.Text.Encoding.UTF8, GatewayProblems.ContentType),
        };
        response.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.FromSeconds(seconds));
        return response;
    }
}
