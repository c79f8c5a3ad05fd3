using System.Net;
using System.Net.Http.Headers;
using LedgerX.Fraud.Api.Infrastructure;

namespace LedgerX.Fraud.Api.ServiceIdentity;

/// <summary>
/// Sends fraud-service's own access token as <c>Authorization: Bearer</c> on every call of the client it is added to (the
/// invocations of transaction-service). A 401 means the token was not accepted (expired early, keys rotated, client
/// changed): the cached one is dropped so the next attempt fetches another. A 401 or 403 is counted, so a service
/// identity that lost a permission shows up in metrics, not only in the alerts' last errors.
/// </summary>
public sealed class ServiceTokenHandler(ServiceTokenSource tokens, FraudMetrics metrics) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await tokens.GetAsync(cancellationToken));
        var response = await base.SendAsync(request, cancellationToken);
        if (response.StatusCode == HttpStatusCode.Unauthorized)
        {
            tokens.Invalidate();
            metrics.ServiceToken("refused");
        }
        else if (response.StatusCode == HttpStatusCode.Forbidden)
        {
            metrics.ServiceToken("forbidden");
        }
        return response;
    }
}
