using Yarp.ReverseProxy.Forwarder;

namespace LedgerX.Gateway.Api.Routing;

/// <summary>
/// The route table (<c>ReverseProxy</c> in appsettings.json: path prefixes to clusters, each cluster a Dapr app id, each
/// route its timeout and, for the few that must be open, <c>AuthorizationPolicy: anonymous</c>), forwarded through the
/// gateway's sidecar with a circuit breaker per cluster.
/// </summary>
internal static class GatewayRouting
{
    public const string ConfigSection = "ReverseProxy";

    public static WebApplicationBuilder AddGatewayRouting(this WebApplicationBuilder builder)
    {
        var sidecar = SidecarEndpoint.From(builder.Configuration);
        builder.Services.AddSingleton(sidecar);
        builder.Services.AddValidatedOptions<CircuitBreakerOptions>(CircuitBreakerOptions.Section);
        builder.Services.AddValidatedOptions<LiveRouteOptions>(LiveRouteOptions.Section).Validate(
            o => o.Destination is { IsAbsoluteUri: true } d && (d.Scheme == Uri.UriSchemeHttp || d.Scheme == Uri.UriSchemeHttps),
            "Gateway:Live:Destination must be an absolute http(s) URL, e.g. http://notification-service:5140.");
        builder.Services.Configure<Microsoft.AspNetCore.Authorization.AuthorizationOptions>(LiveRoute.AddPolicy);
        builder.Services.AddHttpContextAccessor();
        builder.Services.AddSingleton<UpstreamCircuitBreakers>();
        builder.Services.AddSingleton<IForwarderHttpClientFactory, CircuitBreakingClientFactory>();
        // Routes name their own Timeout; the middleware that enforces it must exist.
        builder.Services.AddRequestTimeouts();
        builder.Services.AddReverseProxy()
            .LoadFromConfig(builder.Configuration.GetSection(ConfigSection))
            .AddConfigFilter<SidecarDestinations>()
            .AddTransforms(context => DaprInvocationTransforms.Apply(context, sidecar));
        return builder;
    }

    public static WebApplication MapGatewayRoutes(this WebApplication app)
    {
        app.MapReverseProxy(proxy => proxy.Use(ForwarderErrors.AsProblemAsync));
        return app;
    }
}
