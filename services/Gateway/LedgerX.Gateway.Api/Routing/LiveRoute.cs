using System.ComponentModel.DataAnnotations;
using System.Net;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Net.Http.Headers;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace LedgerX.Gateway.Api.Routing;

/// <summary>Configuration section <c>Gateway:Live</c>: where the live feed (<c>/api/v1/live/**</c>) is served.</summary>
public sealed class LiveRouteOptions
{
    public const string Section = "Gateway:Live";

    /// <summary>notification-service's own address (not its sidecar's): WebSockets cannot pass Dapr service invocation.
    /// On Kubernetes the chart sets it to notification-service's Service.</summary>
    [Required]
    public Uri Destination { get; set; } = new("http://127.0.0.1:5140");
}

/// <summary>
/// The one exception to "every cluster's destination is the sidecar" (docs/adr/0016-live-updates.md): a WebSocket is an
/// HTTP/1.1 Upgrade, which Dapr's service invocation does not carry, and a Server-Sent Events stream would be cut by
/// invocation's timeouts. A cluster whose <c>Metadata:Direct</c> is <c>live</c> goes straight to
/// <see cref="LiveRouteOptions.Destination"/>, still a configured host, never one a client chose. Its routes keep the
/// gateway's token check (policy <see cref="Policy"/>: a valid token, or a single-use <c>ticket</c> that
/// notification-service checks, since browsers cannot set Authorization on a WebSocket), have no request timeout,
/// and spend their own rate budget on connection attempts. The sidecar's token never goes to the app.
/// </summary>
internal static class LiveRoute
{
    public const string DirectMetadata = "Direct";
    public const string DirectLive = "live";
    public const string Policy = "live-connect";
    public const string TicketParameter = "ticket";

    /// <summary>Long enough for the app's heartbeats (15 s) to keep an idle connection open; short enough that a
    /// silently dead upstream frees the client's connection.</summary>
    public static readonly TimeSpan ActivityTimeout = TimeSpan.FromMinutes(2);

    public static bool IsLive(ClusterConfig cluster) =>
        cluster.Metadata?.TryGetValue(DirectMetadata, out var direct) == true && direct == DirectLive;

    public static ClusterConfig WithDestination(ClusterConfig cluster, LiveRouteOptions options) => cluster with
    {
        Destinations = new Dictionary<string, DestinationConfig>(StringComparer.OrdinalIgnoreCase)
        {
            ["notification-service"] = new() { Address = options.Destination.ToString() },
        },
        // HTTP/1.1: a WebSocket upgrade is an HTTP/1.1 exchange.
        HttpRequest = new ForwarderRequestConfig
        {
            Version = HttpVersion.Version11, VersionPolicy = HttpVersionPolicy.RequestVersionOrLower, ActivityTimeout = ActivityTimeout,
        },
    };

    /// <summary>A client's <c>dapr-*</c> and <c>Forwarded</c> headers are dropped as on every route; nothing is added.</summary>
    public static void ApplyTransforms(TransformBuilderContext context)
    {
        context.AddRequestTransform(transform =>
        {
            var headers = transform.ProxyRequest.Headers;
            foreach (var name in headers.Select(h => h.Key).Where(n => n.StartsWith("dapr-", StringComparison.OrdinalIgnoreCase)).ToList())
            {
                headers.Remove(name);
            }
            headers.Remove("Forwarded");
            return ValueTask.CompletedTask;
        });
        context.AddResponseTransform(transform =>
        {
            transform.HttpContext.Response.Headers.Remove(HeaderNames.Server);
            return ValueTask.CompletedTask;
        });
    }

    /// <summary>A valid token, or exactly one non-empty <c>ticket</c> and no Authorization header (notification-service
    /// redeems the ticket; the gateway cannot, it is in that service's database).</summary>
    public static void AddPolicy(AuthorizationOptions options) => options.AddPolicy(Policy, policy => policy.RequireAssertion(context =>
        context.User.Identity?.IsAuthenticated == true
        || context.Resource is HttpContext http && http.Request.Query[TicketParameter] is { Count: 1 } ticket && !string.IsNullOrEmpty(ticket[0])
            && !http.Request.Headers.ContainsKey(HeaderNames.Authorization)));
}
