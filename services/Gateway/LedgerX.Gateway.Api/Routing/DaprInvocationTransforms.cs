using Microsoft.Net.Http.Headers;
using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace LedgerX.Gateway.Api.Routing;

/// <summary>
/// What every forwarded request and response goes through. Requests: every <c>dapr-*</c> header a client sent is dropped
/// (a client must not address another app, or present a sidecar token), as is RFC 7239 <c>Forwarded</c>; then
/// <c>dapr-app-id</c> names the route's cluster and <c>dapr-api-token</c> authenticates the gateway to its sidecar.
/// <c>X-Forwarded-*</c> are YARP's defaults (set from the connection, replacing what the client sent; a trusted proxy's
/// have already been applied to the connection by the forwarded-headers middleware). The caller's
/// <c>Authorization</c> goes on unchanged: services validate the token again. Responses: no <c>Server</c> header, and a 5xx that is not a service's problem (the sidecar's own error) becomes 503
/// <c>upstream_unavailable</c> with <c>Retry-After</c>.
/// </summary>
internal static class DaprInvocationTransforms
{
    private const string DaprPrefix = "dapr-";
    private const string Forwarded = "Forwarded";

    public static void Apply(TransformBuilderContext context, SidecarEndpoint sidecar)
    {
        if (context.Cluster is null)
        {
            return;
        }
        if (LiveRoute.IsLive(context.Cluster))
        {
            LiveRoute.ApplyTransforms(context);
            return;
        }
        var appId = SidecarDestinations.AppIdOf(context.Cluster);
        context.AddRequestTransform(transform =>
        {
            var headers = transform.ProxyRequest.Headers;
            foreach (var name in headers.Select(h => h.Key).Where(IsDaprHeader).ToList())
            {
                headers.Remove(name);
            }
            headers.Remove(Forwarded);
            headers.TryAddWithoutValidation(SidecarEndpoint.AppIdHeader, appId);
            if (sidecar.ApiToken is not null)
            {
                headers.TryAddWithoutValidation(SidecarEndpoint.ApiTokenHeader, sidecar.ApiToken);
            }
            return ValueTask.CompletedTask;
        });
        context.AddResponseTransform(async transform =>
        {
            transform.HttpContext.Response.Headers.Remove(HeaderNames.Server);
            if (transform.ProxyResponse is { } response && (int)response.StatusCode >= StatusCodes.Status500InternalServerError
                && response.Content.Headers.ContentType?.MediaType != GatewayProblems.ContentType)
            {
                // Every service answers errors as problem+json (ADR 0010); a 5xx in any other shape is the sidecar's own
                // (ERR_DIRECT_INVOKE: the app or its sidecar is down, or the app id resolves to nothing), whose text names
                // internals. The app is not there to answer: the client learns that the upstream is unavailable and when
                // to try again, at once rather than after a timeout, and the breaker counts the failure.
                transform.SuppressResponseBody = true;
                var http = transform.HttpContext;
                http.Response.Headers.Remove(HeaderNames.ContentLength);
                var breakers = http.RequestServices.GetRequiredService<UpstreamCircuitBreakers>();
                await UpstreamUnavailable.WriteAsync(http, context.Cluster.ClusterId, breakers.RetryAfterFor(context.Cluster.ClusterId));
            }
        });
    }

    private static bool IsDaprHeader(string name) => name.StartsWith(DaprPrefix, StringComparison.OrdinalIgnoreCase);
}
