using System.Net;
using Microsoft.Extensions.Http.Resilience;
using Polly;

namespace LedgerX.Cli.Load.Users;

/// <summary>
/// The HTTP client that prepares the user pool (registration, sign-in, funding). It waits out a 503 or 429 as long as
/// the answer's <c>Retry-After</c> says, as a real client does: the gateway answers 503 <c>upstream_unavailable</c>
/// while a service's breaker is open or its sidecar cannot reach it, and in either case the call was not processed,
/// so sending it again is safe. Other failures are not retried: they stop the run with the answer that caused them.
/// The load itself never retries (an error there is a measurement).
/// </summary>
internal static class SetupHttp
{
    /// <summary>Room for a breaker's 15-s break and a few retries after it.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    private static readonly ResiliencePipeline<HttpResponseMessage> WaitOutUnavailable = new ResiliencePipelineBuilder<HttpResponseMessage>()
        .AddRetry(new HttpRetryStrategyOptions
        {
            MaxRetryAttempts = 6,
            ShouldRetryAfterHeader = true,
            BackoffType = DelayBackoffType.Exponential,
            Delay = TimeSpan.FromSeconds(1),
            MaxDelay = TimeSpan.FromSeconds(20),
            ShouldHandle = args => ValueTask.FromResult(
                args.Outcome.Result?.StatusCode is HttpStatusCode.ServiceUnavailable or HttpStatusCode.TooManyRequests),
        })
        .Build();

    public static HttpClient Create(Uri gateway, bool followRedirects = true) =>
        new(new ResilienceHandler(WaitOutUnavailable)
        {
            InnerHandler = new SocketsHttpHandler { AllowAutoRedirect = followRedirects, UseCookies = false },
        })
        {
            BaseAddress = gateway,
            Timeout = Timeout,
        };
}
