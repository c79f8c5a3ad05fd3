using LedgerX.LocalDapr.Hosting;
using LedgerX.LocalDapr.Resiliency;

namespace LedgerX.LocalDapr.PubSub;

/// <summary>Sending one delivery (single or bulk) to the app's subscription route, as daprd does.</summary>
internal static class AppDelivery
{
    /// <summary>
    /// Sends <paramref name="request"/> with the current delivery span as the app's parent (as with daprd). A failure to
    /// reach the app is an attempt that failed (retried by the resiliency policy), described as
    /// "<paramref name="what"/>: reason".
    /// </summary>
    public static async Task<HttpResponseMessage> SendAsync(AppChannel app, HttpRequestMessage request, string what, CancellationToken cancellationToken)
    {
        if (System.Diagnostics.Activity.Current?.Id is { } traceparent)
        {
            request.Headers.TryAddWithoutValidation("traceparent", traceparent);
        }

        try
        {
            return await app.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            throw new AttemptFailedException($"{what}: {ex.Message}", null, ex);
        }
    }
}
