namespace LedgerX.EndToEnd.Tests.Infrastructure;

/// <summary>
/// For the set-up steps of a test (signing users in, funding accounts), not for what a test asserts: one gateway
/// serves the whole run, so a test that spends a rate-limit budget on purpose must not fail the next test's set-up.
/// A 429 is waited out as its <c>Retry-After</c> says (bounded), then the request is sent again; so is a 503 with
/// <c>Retry-After</c> (an open circuit breaker: the gateway did not forward the request, so sending it again is safe).
/// </summary>
public sealed class PatientHandler() : DelegatingHandler(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false })
{
    private const int MaxAttempts = 20;
    private static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(10);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.Content is not null)
        {
            await request.Content.LoadIntoBufferAsync(cancellationToken);
        }

        for (int attempt = 1; ; attempt++)
        {
            var response = await base.SendAsync(request, cancellationToken);
            bool refusedUnsent = response.StatusCode == HttpStatusCode.TooManyRequests
                || (response.StatusCode == HttpStatusCode.ServiceUnavailable && response.Headers.RetryAfter is not null);
            if (!refusedUnsent || attempt == MaxAttempts)
            {
                return response;
            }

            var wait = response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1);
            response.Dispose();
            await Task.Delay(wait < MaxWait ? wait + TimeSpan.FromMilliseconds(50) : MaxWait, cancellationToken);
        }
    }
}
