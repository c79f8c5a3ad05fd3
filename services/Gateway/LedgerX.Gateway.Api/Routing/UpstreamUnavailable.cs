using System.Globalization;
using Microsoft.Net.Http.Headers;

namespace LedgerX.Gateway.Api.Routing;

/// <summary>
/// 503 <c>upstream_unavailable</c> with <c>Retry-After</c>: the upstream is not there to answer (its app or sidecar is
/// down, or its breaker is open), so nothing was done and the client may try again later. One wording for the three
/// places that answer it: the open breaker (from inside the HTTP client), the sidecar's own ERR_DIRECT_INVOKE (a response
/// transform) and a refused connection to the gateway's sidecar (the forwarder's error).
/// </summary>
internal static class UpstreamUnavailable
{
    public const string Code = "upstream_unavailable";

    /// <summary>Whole seconds, at least one: <c>Retry-After: 0</c> would invite a client to hammer a dead upstream.</summary>
    public static int Seconds(TimeSpan retryAfter) => Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));

    public static string Detail(string upstream, int seconds) =>
        string.Create(CultureInfo.InvariantCulture, $"The {upstream} upstream is unavailable. Retry after {seconds} s.");

    public static IReadOnlyDictionary<string, object?> Extensions(string upstream) =>
        new Dictionary<string, object?> { ["upstream"] = upstream };

    public static Task WriteAsync(HttpContext context, string upstream, TimeSpan retryAfter)
    {
        var seconds = Seconds(retryAfter);
        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        context.Response.Headers[HeaderNames.RetryAfter] = seconds.ToString(CultureInfo.InvariantCulture);
        return GatewayProblems.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, Code, Detail(upstream, seconds), Extensions(upstream));
    }
}
