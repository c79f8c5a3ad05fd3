using System.Net;
using System.Text.RegularExpressions;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;

namespace LedgerX.Gateway.Api.Routing;

/// <summary>
/// Every cluster's one destination is the gateway's own sidecar; which service answers is the cluster's
/// <c>Metadata:DaprAppId</c>, sent as <c>dapr-app-id</c> (<see cref="DaprInvocationTransforms"/>). A cluster that names
/// destinations of its own is refused at start: it would bypass the sidecar (no mTLS, no access policy, no tracing), and a
/// configured host is the only host the gateway ever forwards to. The live feed's cluster (<see cref="LiveRoute"/>) is the
/// one exception, to a configured address too.
/// </summary>
internal sealed partial class SidecarDestinations(SidecarEndpoint sidecar, Microsoft.Extensions.Options.IOptions<LiveRouteOptions> live) : IProxyConfigFilter
{
    public const string AppIdMetadata = "DaprAppId";
    public const string Destination = "sidecar";

    public ValueTask<ClusterConfig> ConfigureClusterAsync(ClusterConfig cluster, CancellationToken cancel)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        if (LiveRoute.IsLive(cluster) && cluster.Destinations is not { Count: > 0 })
        {
            return ValueTask.FromResult(LiveRoute.WithDestination(cluster, live.Value));
        }
        if (cluster.Destinations is { Count: > 0 })
        {
            throw new InvalidOperationException(
                $"Cluster '{cluster.ClusterId}' names destinations; the gateway reaches services only through its Dapr sidecar (set Metadata:{AppIdMetadata}).");
        }
        AppIdOf(cluster);
        return ValueTask.FromResult(cluster with
        {
            Destinations = new Dictionary<string, DestinationConfig>(StringComparer.OrdinalIgnoreCase)
            {
                [Destination] = new() { Address = sidecar.Address.ToString() },
            },
            // The sidecar's HTTP API speaks HTTP/1.1.
            HttpRequest = new ForwarderRequestConfig { Version = HttpVersion.Version11, VersionPolicy = HttpVersionPolicy.RequestVersionOrLower },
        });
    }

    public ValueTask<RouteConfig> ConfigureRouteAsync(RouteConfig route, ClusterConfig? cluster, CancellationToken cancel) =>
        ValueTask.FromResult(route);

    /// <summary>The cluster's Dapr app id, which must look like one (it becomes a header value).</summary>
    public static string AppIdOf(ClusterConfig cluster)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        if (cluster.Metadata?.TryGetValue(AppIdMetadata, out var appId) != true || appId is null || !AppIdPattern().IsMatch(appId))
        {
            throw new InvalidOperationException($"Cluster '{cluster.ClusterId}' needs Metadata:{AppIdMetadata}, a Dapr app id.");
        }
        return appId;
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")]
    private static partial Regex AppIdPattern();
}
